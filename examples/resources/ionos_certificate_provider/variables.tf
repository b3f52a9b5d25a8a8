variable "zerossl_eab_key_id" {
  description = "EAB key id from the ZeroSSL dashboard."
  type        = string
}

variable "zerossl_eab_hmac_key" {
  description = "EAB HMAC key from the ZeroSSL dashboard (base64url)."
  type        = string
  sensitive   = true
  ephemeral   = true
}
