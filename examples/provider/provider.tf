# Every setting is optional; the environment variable named in the comment is
# used when the argument is not set.
provider "ionos" {
  # Accounts, keys and certificates live here. Working directories and CI jobs
  # that manage the same certificates must share it. [IONOS_CERT_STORE]
  store = "sqlite:/var/lib/terraform-certificates/certificates.db"

  # Encrypts private keys at rest (AES-256-GCM); make one with
  # `openssl rand -base64 32`. [IONOS_CERT_STORE_KEY]
  store_encryption_key = var.store_encryption_key

  # IONOS Cloud API token for the Cloud DNS API. [IONOS_TOKEN]
  token = var.ionos_token

  # The Cloud DNS API endpoint (this is the default). [IONOS_API_URL_DNS]
  dns_api_url = "https://dns.de-fra.ionos.com"
}
