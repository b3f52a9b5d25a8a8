# Independent monitoring: every plan (and every drift-detection run) connects to
# the endpoint and checks what it really serves. A failed assertion is a
# warning, never a failed plan; with warn_on_failure an unreachable endpoint is
# a warning too.
data "ionos_served_certificate" "www" {
  endpoint            = "www.example.com:443"
  auto_certificate_id = ionos_auto_certificate.www.id
  warn_on_failure     = true
}

check "www_serves_the_newest_certificate" {
  assert {
    condition     = data.ionos_served_certificate.www.is_newest
    error_message = "www.example.com:443 serves ${coalesce(data.ionos_served_certificate.www.serial_number, "nothing")}, not the newest certificate of ${ionos_auto_certificate.www.name}: a deploy step missed the renewal, or the endpoint is unreachable."
  }

  assert {
    condition     = data.ionos_served_certificate.www.chain_verified
    error_message = "The chain served by www.example.com:443 does not verify: ${data.ionos_served_certificate.www.verify_error}."
  }

  assert {
    condition     = coalesce(data.ionos_served_certificate.www.days_remaining, 0) >= 30
    error_message = "The certificate served by www.example.com:443 expires in less than 30 days."
  }
}
