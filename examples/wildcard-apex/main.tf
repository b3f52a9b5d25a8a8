# A wildcard certificate for *.example.com that also covers example.com itself:
# a wildcard matches exactly one label, never the apex, so the apex is added as
# a subject alternative name. Both names are validated through the same TXT
# record name (_acme-challenge.example.com), which then briefly holds two values.
terraform {
  required_providers {
    ionos = {
      source = "local/ionos"
    }
  }
}

provider "ionos" {
  token               = var.ionos_token
  dns_api_url         = var.dns_api_url
  dns_resolvers       = var.dns_resolvers
  ca_certificates_pem = var.ca_certificates_pem
  store               = var.store
}

resource "ionos_certificate_provider" "acme" {
  name   = "ACME account for ${var.domain}"
  email  = var.email
  server = var.acme_server
}

resource "ionos_auto_certificate" "wildcard" {
  provider_id               = ionos_certificate_provider.acme.id
  name                      = "wildcard ${var.domain}"
  common_name               = "*.${var.domain}"
  subject_alternative_names = [var.domain]
  key_algorithm             = "ecdsa256"
}

output "certificate_id" {
  description = "Id of the newest certificate (for the ionos_certificate data source)."
  value       = ionos_auto_certificate.wildcard.last_issued_certificate_id
}

output "common_name" {
  value = ionos_auto_certificate.wildcard.common_name
}

output "not_after" {
  value = ionos_auto_certificate.wildcard.not_after
}

output "renew_at" {
  value = ionos_auto_certificate.wildcard.renew_at
}

output "fingerprint_sha256" {
  value = ionos_auto_certificate.wildcard.fingerprint_sha256
}
