// File: core/lifecycle/account_manager.h
//
// AccountManager: the lifecycle of ACME accounts (resource ionos_certificate_provider), kept in
// the store with their keys.
//   Register     newAccount (terms agreed, EAB when given), then the record; an account the store
//                cannot keep is deactivated again, and the outcome of that is logged.
//   Check        what the CA says about a stored account, read-only. Only the CA's explicit word
//                ends an account: the account's status deactivated or revoked, or
//                accountDoesNotExist for that very account, confirmed by looking the account key
//                up (newAccount with onlyReturnExisting, which creates nothing). Any other
//                failure (a proxy's 404, a CA that is down) keeps the account, with a reason.
//   Update       renames, updates the contact in place (RFC 8555 §7.3.2), and repairs an account
//                the CA no longer knows (registers the stored key again) or ended (registers a
//                new key); the record keeps its id, so nothing that refers to it changes.
//   Deactivate   RFC 8555 §7.3.6; idempotent.
#pragma once

#include <optional>
#include <string>

#include "core/acme/acme_client.h"
#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/lifecycle/services.h"
#include "core/store/store.h"

namespace ionos {

// What the user wants an account to be.
struct AccountSpec {
  std::string name;
  std::string email;
  std::string server;
  std::string key_algorithm;
  std::optional<AcmeExternalAccountBinding> external_account_binding;
};

// The CA's word about an account.
enum class AccountStanding {
  kValid,
  kDeactivated,  // status "deactivated" (RFC 8555 §7.1.6)
  kRevoked,      // status "revoked"
  kForgotten,    // accountDoesNotExist, confirmed: the CA was reset or the account expunged
  kUnconfirmed,  // the CA could not be asked or did not answer about the account
};

// The status value shown for a standing (the resource's `status`): "valid", "deactivated",
// "revoked", "unknown to the CA"; kUnconfirmed shows the stored status.
std::string AccountStatusText(AccountStanding standing, const AccountRecord& stored);

// True when the account needs repair (a new registration) at the next apply.
bool NeedsRepair(AccountStanding standing);

struct AccountCheck {
  AccountRecord record;  // as stored (with its key)
  AccountStanding standing = AccountStanding::kUnconfirmed;
  std::string detail;  // why, in words: the CA's answer or the failure that kept us from asking
};

// Which argument a refused registration is about, for the diagnostic's attribute path.
enum class AccountArgument { kNone, kEmail, kExternalAccountBinding, kServer };

class AccountManager {
 public:
  // Pointers are borrowed and must outlive the manager; `logger` may be null.
  AccountManager(AccountStore* store, IssuerFactory* issuers, Logger* logger, IssuanceSettings settings);

  // Registers the account at the CA and stores it. On failure `blamed` (when given) says which
  // argument the CA refused, so the error can point at it.
  Result<AccountRecord> Register(const AccountSpec& spec, AccountArgument* blamed = nullptr);

  // The stored account and the CA's word about it. kNotFound when the store does not have it.
  Result<AccountCheck> Check(const std::string& id);

  // Applies `spec` to the stored account `id` (name, contact; a repair when the CA no longer
  // knows or ended the account). `standing` is what the plan saw.
  Result<AccountRecord> Update(const std::string& id, const AccountSpec& spec, AccountStanding standing,
                               AccountArgument* blamed = nullptr);

  // Deactivates the account at the CA (if it is still valid there) and deletes it from the
  // store. An account gone from the store is already deleted: OK.
  Status Deactivate(const std::string& id);

 private:
  Result<AcmeAccount> NewAccountAtCa(const AccountSpec& spec, const PrivateKey& key, AccountArgument* blamed);

  AccountStore* store_;
  IssuerFactory* issuers_;
  Logger* logger_;
  IssuanceSettings settings_;  // the extra trusted roots for the CA
};

}  // namespace ionos
