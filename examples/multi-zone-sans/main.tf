# One certificate whose names lie in several DNS zones (example.com,
# example.org, example.net). The provider finds each name's zone in the IONOS
# Cloud DNS API (the longest hosted suffix) and writes that name's DNS-01
# record there; a name outside every hosted zone is an error at plan time,
# before any order reaches the CA.
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
  name   = "ACME account"
  email  = var.email
  server = var.acme_server
}

resource "ionos_auto_certificate" "shop" {
  provider_id               = ionos_certificate_provider.acme.id
  name                      = "shop (all zones)"
  common_name               = var.common_name
  subject_alternative_names = var.subject_alternative_names
  key_algorithm             = "rsa3072"
}

# The same certificate, read back by id, as another product would consume it.
data "ionos_certificate" "shop" {
  id = ionos_auto_certificate.shop.last_issued_certificate_id
}

output "certificate_id" {
  value = ionos_auto_certificate.shop.last_issued_certificate_id
}

output "names" {
  description = "Every name the certificate covers."
  value       = sort(concat([ionos_auto_certificate.shop.common_name], tolist(ionos_auto_certificate.shop.subject_alternative_names)))
}

output "certificate_name" {
  description = "The stored certificate's name: <common_name>-<UTC timestamp>."
  value       = data.ionos_certificate.shop.name
}

output "not_after" {
  value = data.ionos_certificate.shop.not_after
}
