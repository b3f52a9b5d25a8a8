resource "ionos_certificate_provider" "letsencrypt" {
  name   = "Let's Encrypt"
  email  = "admin@example.com"
  server = "https://acme-v02.api.letsencrypt.org/directory"
}

resource "ionos_auto_certificate" "www" {
  provider_id = ionos_certificate_provider.letsencrypt.id
  name        = "www.example.com"
  common_name = "www.example.com"
}
