# An account at a certificate authority that requires External Account Binding
# (RFC 8555 section 7.3.4): ZeroSSL, Google Trust Services, Sectigo and many
# private CAs. The CA hands out a key id and an HMAC key; the provider signs the
# new account's key with them once, at registration. The HMAC key is a
# write-only argument (Terraform 1.11 or later) fed from an ephemeral variable:
# it never enters the plan, the state or the certificate store. Changing
# key_id registers a new account; a new key (with a new key_secret_wo_version)
# is only recorded, as the account exists already.
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

resource "ionos_certificate_provider" "eab" {
  name   = "CA with External Account Binding"
  email  = var.email
  server = var.acme_server

  external_account_binding {
    key_id                = var.eab_key_id
    key_secret_wo         = var.eab_hmac_key
    key_secret_wo_version = var.eab_hmac_key_version
  }
}

resource "ionos_auto_certificate" "api" {
  provider_id = ionos_certificate_provider.eab.id
  name        = "api.${var.domain}"
  common_name = "api.${var.domain}"
}

output "account_url" {
  value = ionos_certificate_provider.eab.account_url
}

output "account_status" {
  value = ionos_certificate_provider.eab.status
}

output "certificate_id" {
  value = ionos_auto_certificate.api.last_issued_certificate_id
}

output "not_after" {
  value = ionos_auto_certificate.api.not_after
}
