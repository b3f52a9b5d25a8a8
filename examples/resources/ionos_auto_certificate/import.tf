# Or, with Terraform 1.5 and later, an import block:
import {
  to = ionos_auto_certificate.www
  id = "8d2c4b7a-0e61-4f3b-b1d9-6a5e7c3f2a90"
}
