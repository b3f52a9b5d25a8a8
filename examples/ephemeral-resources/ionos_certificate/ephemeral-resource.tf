# The newest certificate of an auto certificate, with its private key, for this
# run only: Terraform never writes an ephemeral resource to the plan or the state.
ephemeral "ionos_certificate" "www" {
  auto_certificate_id = ionos_auto_certificate.www.id
}

# Deploy it, here with a provisioner that writes the files a web server reads.
# The provisioner runs again whenever a renewal brought a new certificate.
resource "terraform_data" "deploy_www" {
  triggers_replace = ionos_auto_certificate.www.serial_number

  provisioner "local-exec" {
    command = <<-EOT
      umask 077
      printf '%s%s' "$CERT" "$CHAIN" > /etc/nginx/tls/www.example.com.fullchain.pem
      printf '%s' "$KEY" > /etc/nginx/tls/www.example.com.key.pem
      systemctl reload nginx
    EOT
    environment = {
      CERT  = ephemeral.ionos_certificate.www.certificate_pem
      CHAIN = ephemeral.ionos_certificate.www.certificate_chain_pem
      KEY   = ephemeral.ionos_certificate.www.private_key_pem
    }
  }
}
