resource "ionos_certificate_provider" "letsencrypt" {
  name   = "Let's Encrypt"
  email  = "admin@example.com"
  server = "https://acme-v02.api.letsencrypt.org/directory"
}

# www.example.com and example.com in one certificate. Both names must lie in a
# zone of the IONOS Cloud DNS API the provider's token can write to.
resource "ionos_auto_certificate" "www" {
  provider_id               = ionos_certificate_provider.letsencrypt.id
  name                      = "www.example.com"
  common_name               = "www.example.com"
  subject_alternative_names = ["example.com"]
  key_algorithm             = "ecdsa256"

  # Renew 30 days before expiry; keep a replaced certificate for 30 days after
  # its own expiry (these are the defaults).
  renew_before_days = 30
  grace_period_days = 30
}

output "www_certificate_id" {
  description = "Id of the newest certificate, for the ionos_certificate data source."
  value       = ionos_auto_certificate.www.last_issued_certificate_id
}

output "www_renew_at" {
  value = ionos_auto_certificate.www.renew_at
}
