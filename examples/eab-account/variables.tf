variable "domain" {
  description = "A zone in your IONOS Cloud DNS account."
  type        = string
  default     = "example.com"
}

variable "eab_key_id" {
  description = "External Account Binding key id from the CA (for ZeroSSL: the dashboard's \"EAB Credentials\")."
  type        = string
}

variable "eab_hmac_key" {
  description = "External Account Binding HMAC key from the CA (base64url). Ephemeral: Terraform keeps it out of plan files and state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "eab_hmac_key_version" {
  description = "Change it when eab_hmac_key changes (Terraform cannot compare write-only values)."
  type        = number
  default     = 1
}

variable "email" {
  description = "Contact address registered with the ACME account."
  type        = string
  default     = "admin@example.com"
}

variable "acme_server" {
  description = "ACME directory URL of a CA that requires External Account Binding (ZeroSSL by default)."
  type        = string
  default     = "https://acme.zerossl.com/v2/DV90"
}

variable "ionos_token" {
  description = "IONOS Cloud API token; leave unset to use IONOS_TOKEN."
  type        = string
  sensitive   = true
  default     = null
}

variable "dns_api_url" {
  description = "Cloud DNS API base URL; leave unset for the default (or IONOS_API_URL_DNS)."
  type        = string
  default     = null
}

variable "dns_resolvers" {
  description = "host:port name servers for the propagation check; leave unset to ask the zone's authoritative servers."
  type        = list(string)
  default     = null
}

variable "ca_certificates_pem" {
  description = "Extra trusted roots (PEM) for a private or test CA; leave unset for the system roots."
  type        = string
  default     = null
}

variable "store" {
  description = "Certificate store URL (sqlite:PATH); leave unset for the default (or IONOS_CERT_STORE)."
  type        = string
  default     = null
}
