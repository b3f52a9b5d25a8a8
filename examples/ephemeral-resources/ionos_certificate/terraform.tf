terraform {
  required_providers {
    ionos = {
      source = "local/ionos"
    }
  }
}
