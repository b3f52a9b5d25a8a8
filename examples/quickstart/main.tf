# Quick start: an ACME account at a local Pebble CA (scripts/demo starts one).
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

provider "ionos" {
  store               = var.store
  ca_certificates_pem = var.ca_certificates_pem
}

resource "ionos_certificate_provider" "pebble" {
  name   = "Local Pebble"
  email  = "admin@example.com"
  server = var.acme_server
}

output "account_url" {
  value = ionos_certificate_provider.pebble.account_url
}

output "account_status" {
  value = ionos_certificate_provider.pebble.status
}
