variable "domain" {
  description = "A zone in your IONOS Cloud DNS account."
  type        = string
  default     = "example.com"
}

variable "hosts" {
  description = "Names below var.domain that get a certificate each."
  type        = list(string)
  default     = ["www", "api"]
}

variable "email" {
  description = "Contact address registered with the ACME account."
  type        = string
  default     = "platform@example.com"
}

variable "acme_server" {
  description = "ACME directory URL. Let's Encrypt's staging CA by default; switch to https://acme-v02.api.letsencrypt.org/directory once it works."
  type        = string
  default     = "https://acme-staging-v02.api.letsencrypt.org/directory"
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
