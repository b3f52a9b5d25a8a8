# An account at Let's Encrypt.
resource "ionos_certificate_provider" "letsencrypt" {
  name   = "Let's Encrypt"
  email  = "admin@example.com"
  server = "https://acme-v02.api.letsencrypt.org/directory"
}

# An account at a certificate authority that requires External Account Binding
# (here ZeroSSL); the CA hands out the key id and the HMAC key. The key is
# write-only (Terraform 1.11 or later): used at registration, never stored in
# the plan or the state. Change key_secret_wo_version with the key.
resource "ionos_certificate_provider" "zerossl" {
  name          = "ZeroSSL"
  email         = "admin@example.com"
  server        = "https://acme.zerossl.com/v2/DV90"
  key_algorithm = "ecdsa384"

  external_account_binding {
    key_id                = var.zerossl_eab_key_id
    key_secret_wo         = var.zerossl_eab_hmac_key
    key_secret_wo_version = 1
  }
}
