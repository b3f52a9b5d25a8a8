# examples/eab-account against a Pebble that requires External Account Binding
# (see ../README.md): the account registers with the key id and HMAC key the
# test runner passes as eab_key_id / eab_hmac_key, then issues a certificate.

run "account_with_external_account_binding" {
  module {
    source = "../../../examples/eab-account"
  }
  assert {
    condition     = output.account_status == "valid"
    error_message = "The account is ${output.account_status}."
  }
  assert {
    condition     = startswith(output.account_url, "https://")
    error_message = "Unexpected account URL ${output.account_url}."
  }
  assert {
    condition     = ionos_certificate_provider.eab.external_account_binding[0].key_id == var.eab_key_id
    error_message = "The binding's key id is not in the state."
  }
  assert {
    condition     = output.certificate_id == ionos_auto_certificate.api.certificates[0].id && ionos_auto_certificate.api.certificates[0].status == "active"
    error_message = "The certificate was not issued through the bound account."
  }
  assert {
    condition     = timecmp(output.not_after, timestamp()) > 0
    error_message = "The certificate is not valid."
  }
}
