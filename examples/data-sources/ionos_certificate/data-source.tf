# The newest certificate of an auto certificate. Any certificate id from
# `certificates` works too, for example the superseded one during a rollover.
# The private key comes only when asked for, and then sits in the state: the
# ionos_certificate ephemeral resource (Terraform 1.10 or later) gives it to a
# deployment without storing it.
data "ionos_certificate" "www" {
  id                  = ionos_auto_certificate.www.last_issued_certificate_id
  include_private_key = true
}

# Hand it to whatever serves TLS: a CDN, an API gateway, a load balancer or a
# Kubernetes secret (through that product's own provider).
output "fullchain_pem" {
  value = "${data.ionos_certificate.www.certificate_pem}${data.ionos_certificate.www.certificate_chain_pem}"
}

output "private_key_pem" {
  value     = data.ionos_certificate.www.private_key_pem
  sensitive = true
}

output "expires" {
  value = data.ionos_certificate.www.not_after
}
