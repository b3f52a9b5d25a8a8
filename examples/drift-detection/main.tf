# Certificates watched by a scheduled drift-detection job (see README.md and
# check-renewal.sh): every refresh recomputes renewal_due, and once a
# certificate is in its renewal window `terraform plan -detailed-exitcode`
# plans an in-place update and exits 2.
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

resource "ionos_auto_certificate" "site" {
  for_each = toset(["www", "api"])

  provider_id       = ionos_certificate_provider.acme.id
  name              = "${each.key}.${var.domain}"
  common_name       = "${each.key}.${var.domain}"
  key_algorithm     = "ecdsa256"
  renew_before_days = var.renew_before_days
}

output "renewal" {
  description = "Per certificate: when renewal becomes due and whether it is due now."
  value = {
    for key, cert in ionos_auto_certificate.site : cert.common_name => {
      not_after   = cert.not_after
      renew_at    = cert.renew_at
      renewal_due = cert.renewal_due
    }
  }
}
