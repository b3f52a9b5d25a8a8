// Keeps ionos_test_fakes non-empty.
