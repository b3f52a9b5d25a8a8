# The configuration lifecycle.tftest.hcl drives: one account and one auto
# certificate whose name, names and key algorithm the runs change, and the data
# source reading its newest certificate.
terraform {
  required_providers {
    ionos = {
      source = "local/ionos"
    }
  }
}

variable "acme_server" {
  type = string
}

variable "ca_certificates_pem" {
  type = string
}

variable "ionos_token" {
  type      = string
  sensitive = true
}

variable "dns_api_url" {
  type = string
}

variable "dns_resolvers" {
  type = list(string)
}

variable "store" {
  type = string
}

variable "name" {
  type    = string
  default = "tftest site"
}

variable "common_name" {
  type    = string
  default = "www.example.com"
}

variable "subject_alternative_names" {
  type    = set(string)
  default = null
}

variable "key_algorithm" {
  type    = string
  default = null
}

provider "ionos" {
  store               = var.store
  ca_certificates_pem = var.ca_certificates_pem
  token               = var.ionos_token
  dns_api_url         = var.dns_api_url
  dns_resolvers       = var.dns_resolvers
}

resource "ionos_certificate_provider" "acme" {
  name   = "terraform test"
  email  = "tftest@example.com"
  server = var.acme_server
}

resource "ionos_auto_certificate" "site" {
  provider_id               = ionos_certificate_provider.acme.id
  name                      = var.name
  common_name               = var.common_name
  subject_alternative_names = var.subject_alternative_names
  key_algorithm             = var.key_algorithm
}

data "ionos_certificate" "current" {
  id = ionos_auto_certificate.site.last_issued_certificate_id
}

output "auto_certificate_id" {
  value = ionos_auto_certificate.site.id
}

output "certificate_id" {
  value = ionos_auto_certificate.site.last_issued_certificate_id
}

output "serial_number" {
  value = ionos_auto_certificate.site.serial_number
}

output "fingerprint_sha256" {
  value = ionos_auto_certificate.site.fingerprint_sha256
}
