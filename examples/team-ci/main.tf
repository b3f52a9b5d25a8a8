# A team's certificates, managed by CI runners and teammates that share nothing
# but two databases: the Terraform state (a remote backend: see
# backend.tf.example) and the certificate store (PostgreSQL, IONOS_CERT_STORE).
# Every secret comes from the environment of the job, never from this file:
#
#   IONOS_CERT_STORE      the certificate store, postgres://USER:PASSWORD@HOST:5432/DB?sslmode=verify-full
#   IONOS_CERT_STORE_KEY  base64 of 32 bytes; private keys are encrypted at rest
#   IONOS_TOKEN           the IONOS Cloud API token for the Cloud DNS API
#   PG_CONN_STR           the state backend's database, when it is "pg"
terraform {
  required_providers {
    ionos = {
      source  = "local/ionos"
      version = "0.1.0"
    }
  }
}

provider "ionos" {
  # No store, store_encryption_key or token here: IONOS_CERT_STORE,
  # IONOS_CERT_STORE_KEY and IONOS_TOKEN give every runner the same ones.
  dns_api_url         = var.dns_api_url
  dns_resolvers       = var.dns_resolvers
  ca_certificates_pem = var.ca_certificates_pem
}

resource "ionos_certificate_provider" "acme" {
  name   = "ACME account of the platform team"
  email  = var.email
  server = var.acme_server
}

resource "ionos_auto_certificate" "site" {
  for_each = toset(var.hosts)

  provider_id   = ionos_certificate_provider.acme.id
  name          = "${each.key}.${var.domain}"
  common_name   = "${each.key}.${var.domain}"
  key_algorithm = "ecdsa256"
}

output "certificates" {
  description = "Per name: the id other configurations read with data \"ionos_certificate\", and the renewal date."
  value = {
    for key, cert in ionos_auto_certificate.site : cert.common_name => {
      certificate_id = cert.last_issued_certificate_id
      not_after      = cert.not_after
      renew_at       = cert.renew_at
    }
  }
}
