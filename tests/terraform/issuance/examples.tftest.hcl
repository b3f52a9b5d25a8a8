# The runnable examples, applied as they are (as modules of this test) against
# Pebble and the DNS API emulator, which serves example.com, example.org and
# example.net. The environment variables (acme_server, ca_certificates_pem,
# ionos_token, dns_api_url, dns_resolvers, store) come from the test runner.
# Terraform destroys every example at the end.

run "quickstart" {
  module {
    source = "../../../examples/quickstart"
  }
  assert {
    condition     = output.account_status == "valid"
    error_message = "The quickstart account is ${output.account_status}."
  }
  assert {
    condition     = can(regex("^www\\.example\\.com-[0-9]{8}T[0-9]{6}Z$", output.certificate_name))
    error_message = "Unexpected certificate name ${output.certificate_name}."
  }
  assert {
    condition     = timecmp(output.certificate_not_after, timestamp()) > 0
    error_message = "The quickstart certificate is not valid."
  }
  assert {
    condition     = ionos_auto_certificate.www.certificates[0].status == "active"
    error_message = "The quickstart certificate is not active."
  }
}

run "wildcard_and_apex" {
  module {
    source = "../../../examples/wildcard-apex"
  }
  assert {
    condition     = output.common_name == "*.example.com"
    error_message = "Unexpected common name ${output.common_name}."
  }
  assert {
    condition     = ionos_auto_certificate.wildcard.subject_alternative_names == toset(["example.com"])
    error_message = "The apex is missing from the names."
  }
  assert {
    condition     = output.certificate_id == ionos_auto_certificate.wildcard.certificates[0].id
    error_message = "certificate_id is not the newest certificate."
  }
  assert {
    condition     = ionos_auto_certificate.wildcard.certificates[0].status == "active" && !ionos_auto_certificate.wildcard.renewal_due
    error_message = "The wildcard certificate is not active, or already due."
  }
  assert {
    condition     = timecmp(output.renew_at, timestamp()) > 0 && timecmp(output.renew_at, output.not_after) < 0
    error_message = "renew_at ${output.renew_at} is not between now and not_after."
  }
}

run "names_in_three_zones" {
  module {
    source = "../../../examples/multi-zone-sans"
  }
  assert {
    condition     = output.names == tolist(["example.net", "shop.example.com", "shop.example.net", "shop.example.org"])
    error_message = "Unexpected names ${jsonencode(output.names)}."
  }
  assert {
    condition     = output.certificate_name == ionos_auto_certificate.shop.certificates[0].name
    error_message = "The data source read another certificate."
  }
  assert {
    condition     = data.ionos_certificate.shop.status == "active"
    error_message = "The certificate read back is ${data.ionos_certificate.shop.status}."
  }
  assert {
    condition     = ionos_auto_certificate.shop.key_algorithm == "rsa3072"
    error_message = "Unexpected key algorithm."
  }
}

run "drift_detection" {
  module {
    source = "../../../examples/drift-detection"
  }
  variables {
    domain = "example.org"
  }
  assert {
    condition     = length(output.renewal) == 2
    error_message = "Expected two watched certificates."
  }
  assert {
    condition     = alltrue([for name, r in output.renewal : !r.renewal_due && timecmp(r.renew_at, r.not_after) < 0])
    error_message = "A fresh certificate is due, or renews after it expires: ${jsonencode(output.renewal)}."
  }
  assert {
    condition     = keys(output.renewal) == ["api.example.org", "www.example.org"]
    error_message = "Unexpected certificates ${jsonencode(keys(output.renewal))}."
  }
}
