# Quick start: an ACME account and a certificate for a name in an IONOS Cloud DNS
# zone. scripts/demo runs it against a local Pebble CA and DNS API emulator.
terraform {
  required_providers {
    ionos = {
      source = "local/ionos"
    }
  }
}

variable "acme_server" {
  description = "ACME directory URL."
  type        = string
  default     = "https://127.0.0.1:14000/dir"
}

variable "ca_certificates_pem" {
  description = "Extra trusted roots (Pebble's TLS certificate for the demo)."
  type        = string
  default     = null
}

variable "store" {
  description = "Certificate store URL."
  type        = string
  default     = null
}

variable "ionos_token" {
  description = "IONOS Cloud API token for the Cloud DNS API."
  type        = string
  sensitive   = true
  default     = null
}

variable "dns_api_url" {
  description = "IONOS Cloud DNS API base URL."
  type        = string
  default     = null
}

variable "dns_resolvers" {
  description = "Name servers (host:port) for the DNS-01 propagation check."
  type        = list(string)
  default     = null
}

variable "common_name" {
  description = "Name to certify; it must lie in one of your Cloud DNS zones."
  type        = string
  default     = "www.example.com"
}

provider "ionos" {
  store               = var.store
  ca_certificates_pem = var.ca_certificates_pem
  token               = var.ionos_token
  dns_api_url         = var.dns_api_url
  dns_resolvers       = var.dns_resolvers
}

resource "ionos_certificate_provider" "pebble" {
  name   = "Local Pebble"
  email  = "admin@example.com"
  server = var.acme_server
}

resource "ionos_auto_certificate" "www" {
  provider_id   = ionos_certificate_provider.pebble.id
  name          = "Website"
  common_name   = var.common_name
  key_algorithm = "ecdsa256"
}

output "account_url" {
  value = ionos_certificate_provider.pebble.account_url
}

output "account_status" {
  value = ionos_certificate_provider.pebble.status
}

output "certificate_name" {
  value = ionos_auto_certificate.www.certificates[0].name
}

output "certificate_not_after" {
  value = ionos_auto_certificate.www.not_after
}

output "certificate_renew_at" {
  value = ionos_auto_certificate.www.renew_at
}

output "certificate_pem" {
  value = ionos_auto_certificate.www.certificate_pem
}
