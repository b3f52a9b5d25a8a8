#!/usr/bin/env bash
# Drift detection for auto certificates, meant to run on a schedule.
#
# First records in the state what changed outside Terraform (certificates renewed by
# `terraform-provider-ionos renew` or by another working directory sharing the store) with
# `terraform apply -refresh-only`, which changes nothing else; then plans. Without that step the
# outputs of main.tf, which refer to the certificates, would make the plan exit 2 after every such
# renewal although there is nothing to apply.
#
#   ./check-renewal.sh            plan only
#   ./check-renewal.sh --apply    plan, and apply that same plan when something is due, but only
#                                 when it creates and updates in place: a plan that would destroy
#                                 or replace anything is refused (exit 1) for a person to look at
#
# Exit codes (those of `terraform plan -detailed-exitcode`):
#   0  nothing to do: no certificate is in its renewal window
#   2  a renewal is due (or the configuration drifted); the next apply renews
#      (with --apply: 0 once the saved plan was applied)
#   1  error
#
# Run it in the Terraform working directory (or set TF_DIR to it) after
# `terraform init`, with the same state backend, certificate store
# (IONOS_CERT_STORE) and credentials (IONOS_TOKEN) as the runs that created the
# certificates. Extra `terraform plan` options can be passed in TF_PLAN_ARGS.
set -uo pipefail

apply=false
case "${1:-}" in
  --apply) apply=true ;;
  "") ;;
  *)
    echo "usage: $0 [--apply]" >&2
    exit 1
    ;;
esac

dir="${TF_DIR:-.}"
plan_file="$(mktemp "${TMPDIR:-/tmp}/renewal-XXXXXX.tfplan")" || exit 1
trap 'rm -f "$plan_file"' EXIT

# shellcheck disable=SC2086 # TF_PLAN_ARGS is split on purpose
if ! terraform -chdir="$dir" apply -refresh-only -auto-approve -input=false -no-color -lock-timeout=5m \
  ${TF_PLAN_ARGS:-}; then
  echo "check-renewal: recording the changes made outside Terraform (apply -refresh-only) failed." >&2
  exit 1
fi

# shellcheck disable=SC2086 # TF_PLAN_ARGS is split on purpose
terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode -lock-timeout=5m \
  -out="$plan_file" ${TF_PLAN_ARGS:-}
code=$?

case "$code" in
  0)
    echo "check-renewal: no certificate is due for renewal."
    exit 0
    ;;
  2)
    echo "check-renewal: changes are pending: a certificate is in its renewal window (see the warnings above) or the configuration drifted."
    if ! $apply; then
      echo "check-renewal: run \`terraform apply\` (or this script with --apply) to renew."
      exit 2
    fi
    # An unattended job renews; it never destroys. `terraform show -json` lists every planned
    # resource change with its "actions"; "delete" is among them for a destroy and for a
    # replacement (delete + create).
    if ! actions="$(terraform -chdir="$dir" show -json "$plan_file")"; then
      echo "check-renewal: cannot read the saved plan." >&2
      exit 1
    fi
    if printf '%s' "$actions" | grep -Eq '"actions":\[[^]]*"delete"'; then
      echo "check-renewal: refusing to apply: the plan destroys or replaces resources; review it and apply by hand." >&2
      exit 1
    fi
    echo "check-renewal: applying the plan."
    terraform -chdir="$dir" apply -input=false -no-color -lock-timeout=5m "$plan_file" || exit 1
    echo "check-renewal: renewed."
    exit 0
    ;;
  *)
    echo "check-renewal: terraform plan failed (exit code $code)." >&2
    exit 1
    ;;
esac
