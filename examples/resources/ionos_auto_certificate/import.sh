# An auto certificate that is already in the certificate store (for example one
# created by another working directory sharing the store), by its id:
terraform import ionos_auto_certificate.www 8d2c4b7a-0e61-4f3b-b1d9-6a5e7c3f2a90
