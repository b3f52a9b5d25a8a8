#include "tests/dns_emulator/certificate_manager_emulator.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"
#include "tests/dns_emulator/api_support.h"
#include "tests/dns_emulator/test_http_server.h"

namespace ionos::testing {

namespace {

using json = nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

struct Copy {
  CmCopy view;
  std::string certificate_pem;
  std::string chain_pem;
  std::string private_key_pem;  // kept, never returned
  std::vector<std::string> sans;
  std::string not_before;
  std::string not_after;
  bool expired = false;
  std::string created;
  std::string modified;
  int in_use_status = 409;
  SteadyTime settles_at{};
};

}  // namespace

Status CmEmulatorFaults::Merge(const json& j) {
  if (!j.is_object()) {
    return InvalidArgumentError("faults must be a JSON object");
  }
  CmEmulatorFaults next = *this;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const json& v = *it;
    auto count = [&](int* out, int min) -> Status {
      if (v.is_boolean()) {
        *out = v.get<bool>() ? 1 : 0;
      } else if (v.is_number_integer() && v.get<long long>() >= min && v.get<long long>() <= 1000000000) {
        *out = static_cast<int>(v.get<long long>());
      } else {
        return InvalidArgumentError(key + " must be an integer >= " + std::to_string(min));
      }
      return Status::Ok();
    };
    if (key == "unauthorized" && v.is_boolean()) {
      next.unauthorized = v.get<bool>();
    } else if (key == "rate_limit_next") {
      IONOS_RETURN_IF_ERROR(count(&next.rate_limit_next, 0));
    } else if (key == "retry_after_seconds") {
      IONOS_RETURN_IF_ERROR(count(&next.retry_after_seconds, 0));
    } else if (key == "lose_answer_next") {
      IONOS_RETURN_IF_ERROR(count(&next.lose_answer_next, 0));
    } else if (key == "provisioning_delay_ms") {
      IONOS_RETURN_IF_ERROR(count(&next.provisioning_delay_ms, 0));
    } else if (key == "server_error_status") {
      IONOS_RETURN_IF_ERROR(count(&next.server_error_status, 500));
      if (next.server_error_status > 599) {
        return InvalidArgumentError("server_error_status must be 500..599");
      }
    } else if (key == "server_error") {
      if (v == "always" || v == true) {
        next.server_error_always = true;
      } else if (v == "off" || v == false) {
        next.server_error_always = false;
        next.server_error_next = 0;
      } else if (v.is_number_integer() && v.get<long long>() >= 0) {
        next.server_error_always = false;
        next.server_error_next = static_cast<int>(v.get<long long>());
      } else {
        return InvalidArgumentError("server_error must be \"always\", \"off\" or a count");
      }
    } else if (key == "server_error_on" && v.is_array()) {
      next.server_error_on.clear();
      for (const json& k : v) {
        if (!k.is_string()) {
          return InvalidArgumentError("server_error_on must list request kinds");
        }
        next.server_error_on.push_back(k.get<std::string>());
      }
    } else {
      return InvalidArgumentError("unknown or malformed fault switch \"" + key + "\"");
    }
  }
  *this = std::move(next);
  return Status::Ok();
}

json CmEmulatorFaults::ToJson() const {
  return {{"unauthorized", unauthorized},
          {"rate_limit_next", rate_limit_next},
          {"retry_after_seconds", retry_after_seconds},
          {"server_error", server_error_always ? json("always") : json(server_error_next)},
          {"server_error_status", server_error_status},
          {"server_error_on", server_error_on},
          {"lose_answer_next", lose_answer_next},
          {"provisioning_delay_ms", provisioning_delay_ms}};
}

struct CertificateManagerEmulator::Impl {
  CmEmulatorOptions options;
  std::string base_url;
  std::unique_ptr<httplib::Server> server;
  std::thread server_thread;

  mutable std::mutex mu;
  CmEmulatorFaults faults;
  std::vector<Copy> copies;  // creation order
  std::map<std::string, int> counts;

  // PROVISIONING → AVAILABLE, DESTROYING → gone, once their time has come (mu held).
  void Settle() {
    const SteadyTime now = std::chrono::steady_clock::now();
    std::erase_if(copies, [&](const Copy& c) { return c.view.state == "DESTROYING" && c.settles_at <= now; });
    for (Copy& c : copies) {
      if (c.view.state == "PROVISIONING" && c.settles_at <= now) {
        c.view.state = "AVAILABLE";
      }
    }
  }

  SteadyTime SettleTime() const {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(faults.provisioning_delay_ms);
  }

  Copy* Find(const std::string& id) {
    for (Copy& c : copies) {
      if (c.view.id == id) {
        return &c;
      }
    }
    return nullptr;
  }

  json Read(const Copy& c) const {
    return {{"id", c.view.id},
            {"type", "certificate"},
            {"href", base_url + "/certificates/" + c.view.id},
            {"metadata",
             {{"createdDate", c.created},
              {"createdBy", "emulator@example.com"},
              {"createdByUserId", "00000000-0000-4000-8000-000000000001"},
              {"lastModifiedDate", c.modified},
              {"lastModifiedBy", "emulator@example.com"},
              {"lastModifiedByUserId", "00000000-0000-4000-8000-000000000001"},
              {"resourceURN", "ionos:certificatemanager:de/fra:certificate/" + c.view.id},
              {"state", c.view.state},
              {"expired", c.expired},
              {"notBefore", c.not_before},
              {"notAfter", c.not_after},
              {"serialNumber", c.view.serial_number},
              {"commonName", c.view.common_name},
              {"subjectAlternativeNames", c.sans}}},
            {"properties",
             {{"name", c.view.name}, {"certificate", c.certificate_pem}, {"certificateChain", c.chain_pem}}}};
  }

  // Authentication and fault switches for a request of kind `key`; false when answered (mu held).
  bool Gate(const std::string& key, const httplib::Request& req, httplib::Response& res) {
    const bool kind = faults.server_error_on.empty() ||
                      std::find(faults.server_error_on.begin(), faults.server_error_on.end(), key) !=
                          faults.server_error_on.end();
    return PassCommonFaults(req, res, options.token,
                            {faults.unauthorized, &faults.rate_limit_next, faults.retry_after_seconds,
                             faults.server_error_always, &faults.server_error_next, faults.server_error_status},
                            kind);
  }

  void Create(const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    const json* props = body.is_object() && body.contains("properties") ? &body["properties"] : nullptr;
    if (props == nullptr || !props->is_object()) {
      SendValidationError(res, "the body must be {\"properties\": {...}}");
      return;
    }
    for (const char* key : {"name", "certificate", "certificateChain", "privateKey"}) {
      if (!props->contains(key) || !(*props)[key].is_string()) {
        SendValidationError(res, std::string("properties.") + key + ": must be a string");
        return;
      }
    }
    Copy c;
    c.view.name = (*props)["name"].get<std::string>();
    c.certificate_pem = (*props)["certificate"].get<std::string>();
    c.chain_pem = (*props)["certificateChain"].get<std::string>();
    c.private_key_pem = (*props)["privateKey"].get<std::string>();
    if (c.view.name.empty()) {
      SendValidationError(res, "properties.name: must not be empty");
      return;
    }
    Result<CertificateInfo> info = InspectCertificate(c.certificate_pem);
    if (!info.ok()) {
      SendError(res, 422, "paas-cert-invalid-1", "the certificate cannot be parsed: " + info.status().message());
      return;
    }
    if (!c.chain_pem.empty()) {
      if (Result<SplitChain> chain = SplitPemChain(c.chain_pem); !chain.ok()) {
        SendError(res, 422, "paas-cert-invalid-2", "the certificate chain cannot be parsed: " + chain.status().message());
        return;
      }
    }
    Result<PrivateKey> key = PrivateKey::FromPem(c.private_key_pem);
    if (!key.ok()) {
      SendError(res, 422, "paas-cert-invalid-3", "the private key cannot be parsed");
      return;
    }
    if (!VerifyKeyMatchesCertificate(*key, c.certificate_pem).ok()) {
      SendError(res, 422, "paas-cert-invalid-4", "the private key does not match the certificate");
      return;
    }
    c.view.id = NewId();
    c.view.serial_number = info->serial_number;
    c.view.common_name = info->subject_cn;
    c.view.state = "PROVISIONING";
    c.sans = info->dns_names;
    c.not_before = FormatRfc3339(info->not_before);
    c.not_after = FormatRfc3339(info->not_after);
    c.expired = info->not_after < std::chrono::system_clock::now();
    c.created = c.modified = NowIso();
    c.settles_at = SettleTime();
    copies.push_back(c);
    if (faults.lose_answer_next > 0) {
      --faults.lose_answer_next;
      // Carried out, but the answer is lost on the way back.
      SendError(res, 500, "paas-internal-1", "Internal error while processing the request (injected: answer lost)");
      return;
    }
    SendJson(res, 201, Read(c));
  }

  void List(const httplib::Request& req, httplib::Response& res) {
    std::optional<Paging> paging = ParsePaging(req, res);
    if (!paging) {
      return;
    }
    std::vector<std::pair<std::string, std::string>> filters;
    std::vector<const Copy*> all;
    const std::string cn = req.has_param("filter.commonName") ? req.get_param_value("filter.commonName") : "";
    if (req.has_param("filter.commonName")) {
      filters.emplace_back("filter.commonName", cn);
    }
    for (const Copy& c : copies) {
      if (cn.empty() || ContainsIgnoreCase(c.view.common_name, cn)) {
        all.push_back(&c);
      }
    }
    SendJson(res, 200, Collection(base_url, "/certificates", filters, *paging, all,
                                  [this](const Copy* c) { return Read(*c); }));
  }

  void Get(const httplib::Request& req, httplib::Response& res) {
    const Copy* c = Find(req.matches[1]);
    if (c == nullptr) {
      SendError(res, 404, "paas-resource-1", "certificate " + std::string(req.matches[1]) + " not found");
      return;
    }
    SendJson(res, 200, Read(*c));
  }

  void Patch(const httplib::Request& req, httplib::Response& res) {
    Copy* c = Find(req.matches[1]);
    if (c == nullptr) {
      SendError(res, 404, "paas-resource-1", "certificate " + std::string(req.matches[1]) + " not found");
      return;
    }
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("properties") || !body["properties"].is_object() ||
        !body["properties"].contains("name") || !body["properties"]["name"].is_string()) {
      SendValidationError(res, "the body must be {\"properties\": {\"name\": \"...\"}}");
      return;
    }
    c->view.name = body["properties"]["name"].get<std::string>();
    c->view.state = "PROVISIONING";
    c->modified = NowIso();
    c->settles_at = SettleTime();
    SendJson(res, 200, Read(*c));
  }

  void Delete(const httplib::Request& req, httplib::Response& res) {
    Copy* c = Find(req.matches[1]);
    if (c == nullptr) {
      SendError(res, 404, "paas-resource-1", "certificate " + std::string(req.matches[1]) + " not found");
      return;
    }
    if (!c->view.in_use_by.empty()) {
      SendError(res, c->in_use_status, "paas-cert-in-use-1",
                "the certificate is in use by " + c->view.in_use_by + " and cannot be deleted");
      return;
    }
    c->view.state = "DESTROYING";
    c->settles_at = SettleTime();
    SendJson(res, 202, json::object());
  }
};

Result<std::unique_ptr<CertificateManagerEmulator>> CertificateManagerEmulator::Start(CmEmulatorOptions options) {
  std::unique_ptr<CertificateManagerEmulator> emu(new CertificateManagerEmulator());
  emu->impl_ = std::make_unique<Impl>();
  Impl& impl = *emu->impl_;
  impl.options = options;
  impl.faults = options.faults;
  impl.server = std::make_unique<httplib::Server>();
  httplib::Server& svr = *impl.server;
  svr.set_keep_alive_max_count(1);
  svr.set_tcp_nodelay(true);
  Impl* p = &impl;
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  auto api = [p](const std::string& key, void (Impl::*fn)(const httplib::Request&, httplib::Response&)) {
    return Handler([p, key, fn](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(p->mu);
      ++p->counts[key];
      if (!p->Gate(key, req, res)) {
        return;
      }
      p->Settle();
      (p->*fn)(req, res);
    });
  };
  const std::string one = R"(/certificates/([^/]+))";
  svr.Post("/certificates", api("POST /certificates", &Impl::Create));
  svr.Get("/certificates", api("GET /certificates", &Impl::List));
  svr.Get(one, api("GET /certificates/{id}", &Impl::Get));
  svr.Patch(one, api("PATCH /certificates/{id}", &Impl::Patch));
  svr.Delete(one, api("DELETE /certificates/{id}", &Impl::Delete));

  CertificateManagerEmulator* self = emu.get();
  svr.Get("/_emulator/faults", [p](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(p->mu);
    SendJson(res, 200, p->faults.ToJson());
  });
  svr.Post("/_emulator/faults", [self, p](const httplib::Request& req, httplib::Response& res) {
    Status s = self->MergeFaults(json::parse(req.body, nullptr, false));
    if (!s.ok()) {
      SendValidationError(res, s.message());
      return;
    }
    std::lock_guard<std::mutex> lock(p->mu);
    SendJson(res, 200, p->faults.ToJson());
  });
  svr.Get("/_emulator/certificates", [self](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const CmCopy& c : self->copies()) {
      out.push_back({{"id", c.id},
                     {"name", c.name},
                     {"serialNumber", c.serial_number},
                     {"commonName", c.common_name},
                     {"state", c.state},
                     {"inUseBy", c.in_use_by}});
    }
    SendJson(res, 200, {{"certificates", out}});
  });
  svr.Post("/_emulator/in-use", [self](const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) {
      SendValidationError(res, "the body must be {\"id\": \"...\", \"by\": \"...\", \"status\": 409}");
      return;
    }
    Status s = self->SetInUse(body["id"].get<std::string>(), body.value("by", std::string()), body.value("status", 409));
    if (!s.ok()) {
      SendError(res, 404, "paas-resource-1", s.message());
      return;
    }
    SendJson(res, 200, json::object());
  });
  svr.Get("/_emulator/requests", [self](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, json(self->request_counts()));
  });
  svr.Post("/_emulator/reset", [p](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(p->mu);
    p->copies.clear();
    p->counts.clear();
    p->faults = CmEmulatorFaults{};
    SendJson(res, 200, json::object());
  });
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!res.body.empty()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    SendError(res, res.status, res.status == 404 ? "paas-resource-1" : "paas-request-1",
              res.status == 404 ? "no such resource: " + req.method + " " + req.path
                                : "the request could not be processed (HTTP " + std::to_string(res.status) + ")");
    return httplib::Server::HandlerResponse::Handled;
  }));
  if (options.log_requests) {
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "certificate manager emulator: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                   res.status);
    });
  }
  const int port = options.port == 0 ? svr.bind_to_any_port(options.host)
                                     : (svr.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port <= 0) {
    return UnavailableError("the Certificate Manager emulator cannot listen on " + options.host + ":" +
                            std::to_string(options.port));
  }
  impl.base_url = "http://" + options.host + ":" + std::to_string(port);
  impl.server_thread = std::thread([p] { ServeHttpForTests(*p->server); });
  for (int i = 0; i < 500 && !svr.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return emu;
}

CertificateManagerEmulator::~CertificateManagerEmulator() { Stop(); }

void CertificateManagerEmulator::Stop() {
  if (impl_ == nullptr || impl_->server == nullptr) {
    return;
  }
  impl_->server->stop();
  if (impl_->server_thread.joinable()) {
    impl_->server_thread.join();
  }
  impl_->server.reset();
}

std::string CertificateManagerEmulator::base_url() const { return impl_->base_url; }

Status CertificateManagerEmulator::MergeFaults(const json& j) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->faults.Merge(j);
}

std::vector<CmCopy> CertificateManagerEmulator::copies() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->Settle();
  std::vector<CmCopy> out;
  for (const Copy& c : impl_->copies) {
    out.push_back(c.view);
  }
  return out;
}

Status CertificateManagerEmulator::SetInUse(const std::string& id, const std::string& by, int status) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Copy* c = impl_->Find(id);
  if (c == nullptr) {
    return NotFoundError("certificate " + id + " not found");
  }
  c->view.in_use_by = by;
  c->in_use_status = status == 422 ? 422 : 409;
  return Status::Ok();
}

std::map<std::string, int> CertificateManagerEmulator::request_counts() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counts;
}

}  // namespace ionos::testing
