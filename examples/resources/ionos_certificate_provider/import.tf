# Or, with Terraform 1.5 and later, an import block:
import {
  to = ionos_certificate_provider.letsencrypt
  id = "3f0b6c1e-5d1a-4c55-9a3e-2b7d8c9e0f12"
}
