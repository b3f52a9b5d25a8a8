# eab_account.tftest.hcl applies examples/eab-account as a module; this root
# configuration only names the provider.
terraform {
  required_providers {
    ionos = {
      source = "local/ionos"
    }
  }
}
