# The life of one auto certificate, against Pebble (see ../README.md): issue,
# rename without re-issuing, a plan that keeps the certificate, new names that
# re-issue in place, and the data source following the newest certificate.
# Terraform destroys everything at the end.

run "issue" {
  assert {
    condition     = ionos_certificate_provider.acme.status == "valid"
    error_message = "The account is not valid: ${ionos_certificate_provider.acme.status}."
  }
  assert {
    condition     = startswith(ionos_certificate_provider.acme.account_url, "https://")
    error_message = "Unexpected account URL ${ionos_certificate_provider.acme.account_url}."
  }
  assert {
    condition     = ionos_certificate_provider.acme.key_algorithm == "ecdsa256"
    error_message = "The account key algorithm should default to ecdsa256."
  }
  assert {
    condition     = length(ionos_auto_certificate.site.certificates) == 1
    error_message = "Expected exactly one certificate, got ${length(ionos_auto_certificate.site.certificates)}."
  }
  assert {
    condition     = ionos_auto_certificate.site.certificates[0].status == "active"
    error_message = "The newest certificate is ${ionos_auto_certificate.site.certificates[0].status}, not active."
  }
  assert {
    condition     = ionos_auto_certificate.site.last_issued_certificate_id == ionos_auto_certificate.site.certificates[0].id
    error_message = "last_issued_certificate_id is not certificates[0].id."
  }
  assert {
    condition     = can(regex("^www\\.example\\.com-[0-9]{8}T[0-9]{6}Z$", ionos_auto_certificate.site.certificates[0].name))
    error_message = "Unexpected certificate name ${ionos_auto_certificate.site.certificates[0].name}."
  }
  assert {
    condition     = ionos_auto_certificate.site.certificates[0].serial_number == ionos_auto_certificate.site.serial_number
    error_message = "certificates[0] is not the newest certificate."
  }
  assert {
    condition     = timecmp(ionos_auto_certificate.site.not_after, timestamp()) > 0
    error_message = "The certificate already expired: ${ionos_auto_certificate.site.not_after}."
  }
  assert {
    condition     = timecmp(ionos_auto_certificate.site.not_before, timestamp()) <= 0
    error_message = "The certificate is not valid yet: ${ionos_auto_certificate.site.not_before}."
  }
  assert {
    condition     = timecmp(ionos_auto_certificate.site.renew_at, timestamp()) > 0 && timecmp(ionos_auto_certificate.site.renew_at, ionos_auto_certificate.site.not_after) < 0
    error_message = "renew_at ${ionos_auto_certificate.site.renew_at} is not between now and not_after."
  }
  assert {
    condition     = !ionos_auto_certificate.site.renewal_due
    error_message = "A fresh certificate must not be due for renewal."
  }
  assert {
    condition     = ionos_auto_certificate.site.key_algorithm == "rsa2048" && ionos_auto_certificate.site.renew_before_days == 30 && ionos_auto_certificate.site.grace_period_days == 30
    error_message = "The defaults are rsa2048, 30 days before expiry, 30 days of grace."
  }
  assert {
    condition     = startswith(ionos_auto_certificate.site.certificate_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "certificate_pem is not a PEM certificate."
  }
  assert {
    condition     = startswith(ionos_auto_certificate.site.certificate_chain_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "certificate_chain_pem does not hold the intermediate."
  }
  assert {
    condition     = ionos_auto_certificate.site.private_key_pem == null && !ionos_auto_certificate.site.private_key_in_state
    error_message = "The private key is in the state, though private_key_in_state defaults to false."
  }
  assert {
    condition     = can(regex("^[0-9a-f]{64}$", ionos_auto_certificate.site.fingerprint_sha256))
    error_message = "fingerprint_sha256 is not 64 lower-case hex digits."
  }
  assert {
    condition     = data.ionos_certificate.current.certificate_pem == ionos_auto_certificate.site.certificate_pem
    error_message = "The data source returns another certificate."
  }
  assert {
    condition     = data.ionos_certificate.current.status == "active" && data.ionos_certificate.current.name == ionos_auto_certificate.site.certificates[0].name
    error_message = "The data source reports ${data.ionos_certificate.current.status} ${data.ionos_certificate.current.name}."
  }
  assert {
    condition     = data.ionos_certificate.current.not_after == ionos_auto_certificate.site.not_after
    error_message = "The data source's not_after differs."
  }
}

run "rename_keeps_the_certificate" {
  variables {
    name = "tftest site (renamed)"
  }
  assert {
    condition     = ionos_auto_certificate.site.name == "tftest site (renamed)"
    error_message = "The rename was not applied."
  }
  assert {
    condition     = ionos_auto_certificate.site.id == run.issue.auto_certificate_id
    error_message = "A rename must update in place."
  }
  assert {
    condition     = ionos_auto_certificate.site.serial_number == run.issue.serial_number
    error_message = "A rename must not issue a new certificate."
  }
  assert {
    condition     = length(ionos_auto_certificate.site.certificates) == 1
    error_message = "A rename must not add a certificate."
  }
}

run "plan_keeps_the_certificate" {
  command = plan
  variables {
    name = "tftest site (renamed)"
  }
  assert {
    condition     = ionos_auto_certificate.site.serial_number == run.issue.serial_number
    error_message = "Nothing is due, so the plan must keep the certificate."
  }
  assert {
    condition     = ionos_auto_certificate.site.last_issued_certificate_id == run.issue.certificate_id
    error_message = "Nothing is due, so the plan must keep the certificate id."
  }
}

run "new_names_reissue_in_place" {
  variables {
    name                      = "tftest site (renamed)"
    subject_alternative_names = ["api.example.com", "www.example.org"]
    key_algorithm             = "ecdsa384"
  }
  assert {
    condition     = ionos_auto_certificate.site.id == run.issue.auto_certificate_id
    error_message = "New names must re-issue in place, not replace the auto certificate."
  }
  assert {
    condition     = ionos_auto_certificate.site.serial_number != run.issue.serial_number
    error_message = "New names must issue a new certificate."
  }
  assert {
    condition     = [for c in ionos_auto_certificate.site.certificates : c.status] == ["active", "superseded"]
    error_message = "Expected the new certificate active and the previous one superseded."
  }
  assert {
    condition     = ionos_auto_certificate.site.certificates[1].id == run.issue.certificate_id
    error_message = "The superseded certificate is not the first one."
  }
  assert {
    condition     = ionos_auto_certificate.site.last_issued_certificate_id == ionos_auto_certificate.site.certificates[0].id
    error_message = "last_issued_certificate_id is not certificates[0].id."
  }
  assert {
    condition     = ionos_auto_certificate.site.key_algorithm == "ecdsa384"
    error_message = "The key algorithm was not changed."
  }
  assert {
    condition     = data.ionos_certificate.current.id == ionos_auto_certificate.site.certificates[0].id && data.ionos_certificate.current.status == "active"
    error_message = "The data source does not follow the newest certificate."
  }
  assert {
    condition     = ionos_auto_certificate.site.fingerprint_sha256 != run.issue.fingerprint_sha256
    error_message = "The fingerprint did not change."
  }
}
