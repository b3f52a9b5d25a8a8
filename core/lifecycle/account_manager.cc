#include "core/lifecycle/account_manager.h"

#include "core/crypto/crypto.h"

namespace ionos {
namespace {

AccountStanding StandingOfStatus(const std::string& status) {
  if (status == "deactivated") {
    return AccountStanding::kDeactivated;
  }
  if (status == "revoked") {
    return AccountStanding::kRevoked;
  }
  return AccountStanding::kValid;
}

// Which argument the CA's refusal of newAccount is about.
AccountArgument Blame(const AcmeProblem& problem, const Status& failure, bool binding_given) {
  const std::string t = problem.ShortType();
  if (t == "invalidContact" || t == "unsupportedContact") {
    return AccountArgument::kEmail;
  }
  if (t == "externalAccountRequired") {
    return AccountArgument::kExternalAccountBinding;
  }
  if (binding_given && (t == "unauthorized" || t == "malformed" || t == "badSignatureAlgorithm")) {
    // The binding is what a CA checks first and refuses with these (a wrong key id or MAC).
    return AccountArgument::kExternalAccountBinding;
  }
  if (problem.type.empty() && (failure.code() == StatusCode::kUnavailable ||
                               failure.code() == StatusCode::kFailedPrecondition ||
                               failure.code() == StatusCode::kInvalidArgument)) {
    return AccountArgument::kServer;  // no answer from the CA (or not an ACME server)
  }
  return AccountArgument::kNone;
}

}  // namespace

std::string AccountStatusText(AccountStanding standing, const AccountRecord& stored) {
  switch (standing) {
    case AccountStanding::kValid: return "valid";
    case AccountStanding::kDeactivated: return "deactivated";
    case AccountStanding::kRevoked: return "revoked";
    case AccountStanding::kForgotten: return "unknown to the CA";
    case AccountStanding::kUnconfirmed: return stored.status.empty() ? "valid" : stored.status;
  }
  return stored.status;
}

bool NeedsRepair(AccountStanding standing) {
  return standing == AccountStanding::kDeactivated || standing == AccountStanding::kRevoked ||
         standing == AccountStanding::kForgotten;
}

AccountManager::AccountManager(AccountStore* store, IssuerFactory* issuers, Logger* logger, IssuanceSettings settings)
    : store_(store),
      issuers_(issuers),
      logger_(logger != nullptr ? logger : &DiscardLogger()),
      settings_(std::move(settings)) {}

Result<AcmeAccount> AccountManager::NewAccountAtCa(const AccountSpec& spec, const PrivateKey& key,
                                                   AccountArgument* blamed) {
  AccountArgument ignored;
  AccountArgument& blame = blamed != nullptr ? *blamed : ignored;
  blame = AccountArgument::kNone;
  Result<AcmeClient*> acme = issuers_->AcmeClientFor(spec.server, settings_);
  if (!acme.ok()) {
    blame = AccountArgument::kServer;
    return acme.status();
  }
  Result<AcmeDirectory> dir = (*acme)->Directory();
  if (!dir.ok()) {
    blame = AccountArgument::kServer;
    return dir.status();
  }
  if (dir->external_account_required && !spec.external_account_binding) {
    blame = AccountArgument::kExternalAccountBinding;
    return InvalidArgumentError("the ACME server " + spec.server +
                                " requires an external account binding: add an external_account_binding block with "
                                "the key_id and key_secret your CA gives you");
  }
  NewAccountRequest request;
  request.contact_emails = {spec.email};
  request.terms_of_service_agreed = true;
  request.external_account_binding = spec.external_account_binding;
  AcmeProblem problem;
  Result<AcmeAccount> account = (*acme)->NewAccount(key, request, &problem);
  if (!account.ok()) {
    blame = Blame(problem, account.status(), spec.external_account_binding.has_value());
  }
  return account;
}

Result<AccountRecord> AccountManager::Register(const AccountSpec& spec, AccountArgument* blamed) {
  const std::string context = "registering at " + spec.server;
  IONOS_ASSIGN_OR_RETURN_CTX(KeyAlgorithm algorithm, ParseKeyAlgorithm(spec.key_algorithm), context);
  IONOS_ASSIGN_OR_RETURN_CTX(PrivateKey key, PrivateKey::Generate(algorithm), "generating the account key");
  logger_->Info("registering ACME account", {{"server", spec.server}, {"key_algorithm", spec.key_algorithm}});
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeAccount account, NewAccountAtCa(spec, key, blamed), context);

  AccountRecord record;
  record.name = spec.name;
  record.email = spec.email;
  record.server = spec.server;
  record.key_algorithm = spec.key_algorithm;
  record.account_url = account.url;
  record.status = account.status.empty() ? "valid" : account.status;
  record.eab_key_id = spec.external_account_binding ? spec.external_account_binding->key_id : "";
  IONOS_ASSIGN_OR_RETURN_CTX(record.private_key_pem, key.ToPem(), "encoding the account key");
  Result<AccountRecord> stored = store_->CreateAccount(record);
  if (!stored.ok()) {
    // Do not leave an account at the CA that nothing knows about.
    Result<AcmeClient*> acme = issuers_->AcmeClientFor(spec.server, settings_);
    Status undone = acme.ok() ? (*acme)->DeactivateAccount(key, account.url) : acme.status();
    if (undone.ok()) {
      logger_->Warn("deactivated the new ACME account again: the store could not keep it",
                    {{"account_url", account.url}});
    } else {
      logger_->Error("the new ACME account could not be stored, nor deactivated again; deactivate it at the CA",
                     {{"account_url", account.url}, {"error", undone.message()}});
    }
    return stored.status().WithContext("saving the account in the certificate store");
  }
  logger_->Info("ACME account registered", {{"id", stored->id}, {"account_url", stored->account_url}});
  return stored;
}

Result<AccountCheck> AccountManager::Check(const std::string& id) {
  AccountCheck check;
  IONOS_ASSIGN_OR_RETURN(check.record, store_->GetAccount(id));
  const AccountRecord& r = check.record;
  if (StandingOfStatus(r.status) != AccountStanding::kValid) {
    check.standing = StandingOfStatus(r.status);
    check.detail = "the store records the account as " + r.status;
    return check;
  }
  Result<PrivateKey> key = PrivateKey::FromPem(r.private_key_pem);
  if (!key.ok()) {
    check.detail = key.status().message();
    return check;
  }
  Result<AcmeClient*> acme = issuers_->AcmeClientFor(r.server, settings_);
  if (!acme.ok()) {
    check.detail = acme.status().message();
    return check;
  }
  Result<AcmeAccount> account = (*acme)->GetAccount(*key, r.account_url);
  if (account.ok()) {
    check.standing = StandingOfStatus(account->status);
    check.detail = "the CA reports the account as " + (account->status.empty() ? "valid" : account->status);
    return check;
  }
  const StatusCode code = account.status().code();
  if (code != StatusCode::kNotFound && code != StatusCode::kPermissionDenied) {
    check.detail = account.status().message();
    return check;
  }
  // The CA said no about this account URL. Confirm by looking the key up, which creates nothing.
  NewAccountRequest lookup;
  lookup.only_return_existing = true;
  Result<AcmeAccount> by_key = (*acme)->NewAccount(*key, lookup);
  if (by_key.ok()) {
    check.standing = StandingOfStatus(by_key->status);
    if (check.standing == AccountStanding::kValid) {
      if (by_key->url != r.account_url) {
        check.standing = AccountStanding::kForgotten;
        check.detail = "the CA knows the account key under another URL, " + by_key->url;
      } else {
        check.standing = AccountStanding::kUnconfirmed;
        check.detail = account.status().message();
      }
    } else {
      check.detail = "the CA reports the account as " + by_key->status;
    }
    return check;
  }
  if (by_key.status().code() == StatusCode::kPermissionDenied) {
    // Refused for the account URL and for the key alike: the CA ended the account (Pebble and
    // Boulder answer "unauthorized" for a deactivated account's key).
    check.standing = AccountStanding::kDeactivated;
    check.detail = "the CA refuses the account and its key: " + by_key.status().message();
    return check;
  }
  if (by_key.status().code() == StatusCode::kNotFound) {
    check.standing = AccountStanding::kForgotten;
    check.detail = "the CA no longer knows the account " + r.account_url +
                   " (it answered accountDoesNotExist for the account and for its key)";
    return check;
  }
  check.detail = by_key.status().message();
  return check;
}

Result<AccountRecord> AccountManager::Update(const std::string& id, const AccountSpec& spec, AccountStanding standing,
                                             AccountArgument* blamed) {
  IONOS_ASSIGN_OR_RETURN(AccountRecord record, store_->GetAccount(id));
  AccountRecord updated = record;
  updated.private_key_pem.clear();  // unchanged unless a new key is registered
  updated.name = spec.name;
  updated.email = spec.email;
  if (NeedsRepair(standing)) {
    // A forgotten account is registered again with its own key (the CA may even return it); an
    // ended one cannot come back, so a new key is registered in its place.
    std::optional<PrivateKey> fresh;
    if (standing != AccountStanding::kForgotten) {
      IONOS_ASSIGN_OR_RETURN_CTX(KeyAlgorithm algorithm, ParseKeyAlgorithm(record.key_algorithm),
                                 "repairing the account");
      IONOS_ASSIGN_OR_RETURN_CTX(fresh, PrivateKey::Generate(algorithm), "generating a new account key");
    }
    IONOS_ASSIGN_OR_RETURN_CTX(PrivateKey stored_key, PrivateKey::FromPem(record.private_key_pem),
                               "loading the account key");
    const PrivateKey& key = fresh ? *fresh : stored_key;
    AccountSpec registration = spec;
    registration.server = record.server;
    IONOS_ASSIGN_OR_RETURN_CTX(AcmeAccount account, NewAccountAtCa(registration, key, blamed),
                               "registering the account again at " + record.server);
    updated.account_url = account.url;
    updated.status = account.status.empty() ? "valid" : account.status;
    if (fresh) {
      IONOS_ASSIGN_OR_RETURN_CTX(updated.private_key_pem, fresh->ToPem(), "encoding the account key");
    }
    logger_->Warn("ACME account registered again", {{"id", id}, {"account_url", updated.account_url}});
  } else if (spec.email != record.email) {
    IONOS_ASSIGN_OR_RETURN_CTX(PrivateKey key, PrivateKey::FromPem(record.private_key_pem),
                               "loading the account key");
    IONOS_ASSIGN_OR_RETURN(AcmeClient * acme, issuers_->AcmeClientFor(record.server, settings_));
    Result<AcmeAccount> account = acme->UpdateAccountContact(key, record.account_url, {spec.email});
    if (!account.ok()) {
      if (blamed != nullptr) {
        *blamed = account.status().code() == StatusCode::kInvalidArgument ? AccountArgument::kEmail
                                                                          : AccountArgument::kNone;
      }
      return account.status();
    }
    logger_->Info("ACME account contact updated", {{"id", id}});
  }
  return store_->UpdateAccount(updated);
}

Status AccountManager::Deactivate(const std::string& id) {
  Result<AccountRecord> record = store_->GetAccount(id);
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
    return Status::Ok();  // already gone: idempotent
  }
  IONOS_RETURN_IF_ERROR(record.status().WithContext("reading the certificate provider from the store"));
  if (record->status != "deactivated") {
    IONOS_ASSIGN_OR_RETURN_CTX(PrivateKey key, PrivateKey::FromPem(record->private_key_pem),
                               "loading the account key");
    IONOS_ASSIGN_OR_RETURN(AcmeClient * acme, issuers_->AcmeClientFor(record->server, settings_));
    IONOS_RETURN_IF_ERROR(acme->DeactivateAccount(key, record->account_url)
                              .WithContext("deactivating the ACME account " + record->account_url));
  }
  Status s = store_->DeleteAccount(id);
  if (!s.ok() && s.code() != StatusCode::kNotFound) {
    return s.WithContext("removing the certificate provider from the store");
  }
  return Status::Ok();
}

}  // namespace ionos
