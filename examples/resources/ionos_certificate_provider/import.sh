# An account that is already in the certificate store, by its id:
terraform import ionos_certificate_provider.letsencrypt 3f0b6c1e-5d1a-4c55-9a3e-2b7d8c9e0f12
