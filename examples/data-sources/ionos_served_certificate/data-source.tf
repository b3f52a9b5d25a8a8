# Independent monitoring: every plan (and every drift-detection run) connects to
# the endpoint and checks what it really serves. Inside a check block a failed
# assertion or an unreachable endpoint is a warning, never a failed plan.
check "www_serves_the_newest_certificate" {
  data "ionos_served_certificate" "www" {
    endpoint            = "www.example.com:443"
    auto_certificate_id = ionos_auto_certificate.www.id
  }

  assert {
    condition     = data.ionos_served_certificate.www.is_newest
    error_message = "www.example.com:443 serves certificate ${data.ionos_served_certificate.www.serial_number}, not the newest one of ${ionos_auto_certificate.www.name}: a deploy step missed the renewal."
  }

  assert {
    condition     = data.ionos_served_certificate.www.chain_verified
    error_message = "The chain served by www.example.com:443 does not verify: ${data.ionos_served_certificate.www.verify_error}."
  }

  assert {
    condition     = data.ionos_served_certificate.www.days_remaining >= 30
    error_message = "The certificate served by www.example.com:443 expires in ${data.ionos_served_certificate.www.days_remaining} days."
  }
}
