variable "ionos_token" {
  description = "IONOS Cloud API token; leave unset to use IONOS_TOKEN."
  type        = string
  sensitive   = true
  default     = null
}

variable "store_encryption_key" {
  description = "Base64 of a 32-byte key; leave unset to use IONOS_CERT_STORE_KEY."
  type        = string
  sensitive   = true
  default     = null
}
