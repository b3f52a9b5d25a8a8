#include "plugin/framework.h"

#include "core/lifecycle/attribute_rules.h"

namespace ionos::tf {
namespace {

// Marks computed attributes unknown where the configuration leaves them null,
// applying defaults first. `all` also replaces known prior values (create,
// replace, or an update of a non-stable attribute).
Value MarkComputed(const BlockSchema& schema, const Value& planned, const Value& config, bool creating) {
  if (!planned.is_known()) return planned;
  std::map<std::string, Value> attrs = planned.entries();
  for (const auto& a : schema.attributes) {
    Value cfg = config.is_known() ? config.GetAttr(a.name) : Value::Null(a.type);
    if (!cfg.is_null()) continue;
    if (a.default_value && a.optional) {
      attrs[a.name] = JsonToValue(*a.default_value, a.type);
      continue;
    }
    if (!a.computed) continue;
    if (creating || !a.stable) attrs[a.name] = Value::Unknown(a.type);
  }
  for (const auto& b : schema.blocks) {
    Value pv = planned.GetAttr(b.name);
    Value cv = config.is_known() ? config.GetAttr(b.name) : Value::Null(b.ValueType());
    if (!pv.is_known()) continue;
    if (b.nesting == Nesting::kSingle) {
      attrs[b.name] = MarkComputed(b, pv, cv, creating);
      continue;
    }
    if (b.nesting == Nesting::kList) {
      std::vector<Value> out;
      const auto& pe = pv.elements();
      for (size_t i = 0; i < pe.size(); ++i) {
        Value ce = (cv.is_known() && i < cv.elements().size()) ? cv.elements()[i] : Value::Null(b.ObjectType());
        out.push_back(MarkComputed(b, pe[i], ce, creating));
      }
      attrs[b.name] = Value::List(b.ObjectType(), std::move(out));
    }
    // Sets of blocks are kept as proposed (no computed attributes in them).
  }
  return Value::ObjectOfType(planned.type(), std::move(attrs));
}

// True when any configurable (non computed-only) attribute differs.
bool ConfigurableChanged(const BlockSchema& schema, const Value& prior, const Value& planned) {
  for (const auto& a : schema.attributes) {
    if (a.computed && !a.optional) continue;
    if (prior.GetAttr(a.name) != planned.GetAttr(a.name)) return true;
  }
  for (const auto& b : schema.blocks) {
    if (prior.GetAttr(b.name) != planned.GetAttr(b.name)) return true;
  }
  return false;
}

void CheckKnown(const Value& planned, const Value& applied, const AttributePath& path, Diagnostics& diags) {
  if (!applied.IsWhollyKnown()) {
    diags.AddAttributeError(path, "Provider returned an unknown value",
                            "The provider left " + (path.steps.empty() ? std::string("the object") : path.ToString()) +
                                " unknown after the operation. This is a bug in the provider; please report it.");
    return;
  }
  if (planned.is_unknown() || !planned.is_known() || !applied.is_known()) {
    if (planned.is_null() != applied.is_null() && !planned.is_unknown()) {
      diags.AddAttributeError(path, "Provider produced an inconsistent result",
                              "The value of " + path.ToString() +
                                  " differs from the planned value. This is a bug in the provider; please report it.");
    }
    return;
  }
  if (planned.type().is_object()) {
    for (const auto& [name, pv] : planned.entries()) {
      CheckKnown(pv, applied.GetAttr(name), path.Attr(name), diags);
    }
    return;
  }
  if (planned.IsWhollyKnown() && planned != applied) {
    diags.AddAttributeError(path, "Provider produced an inconsistent result",
                            "The value of " + path.ToString() +
                                " differs from the planned value. This is a bug in the provider; please report it.");
  }
}

}  // namespace

PlanResponse GenericPlan(const BlockSchema& schema, const PlanRequest& req) {
  PlanResponse resp;
  if (req.proposed.is_null()) {
    resp.planned = req.proposed;
    return resp;
  }
  // Terraform proposes the configuration's write-only values; they are planned null (and so never
  // count as a change: prior and planned are both null).
  const Value proposed = NullWriteOnly(schema, req.proposed);
  if (req.prior.is_null()) {
    resp.planned = MarkComputed(schema, proposed, req.config, /*creating=*/true);
    return resp;
  }
  // Every optional attribute with a default plans that default whenever the configuration leaves
  // it unset, also on updates: removing `key_algorithm = "ecdsa384"` plans "ecdsa384" -> the
  // default, instead of keeping the old value in state.
  Value planned = proposed;
  if (planned.is_known() && req.config.is_known()) {
    std::map<std::string, Value> attrs = planned.entries();
    for (const auto& a : schema.attributes) {
      if (a.default_value && a.optional && req.config.GetAttr(a.name).is_null()) {
        attrs[a.name] = JsonToValue(*a.default_value, a.type);
      }
    }
    planned = Value::ObjectOfType(planned.type(), std::move(attrs));
  }
  for (const auto& a : schema.attributes) {
    if (!a.requires_replace) continue;
    Value cfg = req.config.GetAttr(a.name);
    Value pv = cfg.is_null() && a.default_value ? JsonToValue(*a.default_value, a.type) : planned.GetAttr(a.name);
    if (pv != req.prior.GetAttr(a.name)) resp.requires_replace.push_back(AttributePath(a.name));
  }
  for (const auto& b : schema.blocks) {
    const Value pv = planned.GetAttr(b.name);
    const Value rv = req.prior.GetAttr(b.name);
    if (b.requires_replace) {
      if (pv != rv) resp.requires_replace.push_back(AttributePath(b.name));
      continue;
    }
    // Attributes of a list block that replace: compared element by element; a block added or
    // removed replaces as a whole (Terraform compares the values at each path again).
    bool any = false;
    for (const auto& a : b.attributes) any = any || a.requires_replace;
    if (!any || b.nesting != Nesting::kList) continue;
    if (!pv.is_known() || !rv.is_known() || pv.elements().size() != rv.elements().size()) {
      if (pv != rv) resp.requires_replace.push_back(AttributePath(b.name));
      continue;
    }
    for (size_t i = 0; i < pv.elements().size(); ++i) {
      for (const auto& a : b.attributes) {
        if (a.requires_replace && pv.elements()[i].GetAttr(a.name) != rv.elements()[i].GetAttr(a.name)) {
          resp.requires_replace.push_back(AttributePath(b.name).Index(static_cast<int64_t>(i)).Attr(a.name));
        }
      }
    }
  }
  if (!resp.requires_replace.empty()) {
    resp.planned = MarkComputed(schema, planned, req.config, /*creating=*/true);
  } else if (ConfigurableChanged(schema, req.prior, planned)) {
    resp.planned = MarkComputed(schema, planned, req.config, /*creating=*/false);
  } else {
    resp.planned = planned;
  }
  return resp;
}

Value NullWriteOnly(const BlockSchema& schema, const Value& v) {
  if (!v.is_known() || !v.type().is_object()) return v;
  std::map<std::string, Value> attrs = v.entries();
  bool changed = false;
  for (const auto& a : schema.attributes) {
    if (a.write_only && !attrs[a.name].is_null()) {
      attrs[a.name] = Value::Null(a.type);
      changed = true;
    }
  }
  for (const auto& b : schema.blocks) {
    Value bv = v.GetAttr(b.name);
    if (!bv.is_known()) continue;
    Value nv = bv;
    if (b.nesting == Nesting::kSingle) {
      nv = NullWriteOnly(b, bv);
    } else {
      std::vector<Value> elems;
      for (const auto& e : bv.elements()) elems.push_back(NullWriteOnly(b, e));
      nv = b.nesting == Nesting::kList ? Value::List(b.ObjectType(), std::move(elems))
                                       : Value::Set(b.ObjectType(), std::move(elems));
    }
    if (nv != bv) {
      attrs[b.name] = std::move(nv);
      changed = true;
    }
  }
  return changed ? Value::ObjectOfType(v.type(), std::move(attrs)) : v;
}

namespace {

void CollectWriteOnly(const BlockSchema& schema, const Value& v, const AttributePath& base,
                      std::vector<AttributePath>& out) {
  if (!v.is_known() || !v.type().is_object()) return;
  auto at = [&](const std::string& name) { return base.steps.empty() ? AttributePath(name) : base.Attr(name); };
  for (const auto& a : schema.attributes) {
    if (a.write_only && !v.GetAttr(a.name).is_null()) out.push_back(at(a.name));
  }
  for (const auto& b : schema.blocks) {
    Value bv = v.GetAttr(b.name);
    if (!bv.is_known()) continue;
    if (b.nesting == Nesting::kSingle) {
      CollectWriteOnly(b, bv, at(b.name), out);
      continue;
    }
    for (size_t i = 0; i < bv.elements().size(); ++i) {
      CollectWriteOnly(b, bv.elements()[i], at(b.name).Index(static_cast<int64_t>(i)), out);
    }
  }
}

// One value against its attribute's rule; an error at `path` when it breaks it.
void CheckRule(const AttributeSchema& a, const Value& v, const AttributePath& path, Diagnostics& diags) {
  if (!v.is_known() || v.is_null()) return;
  Status s;
  if (v.type() == Type::String()) {
    s = CheckStringRule(a.validate, v.as_string());
  } else if (v.type() == Type::Number()) {
    const Number& n = v.as_number();
    s = CheckNumberRule(a.validate, n.is_integer() ? n.ToInt64() : std::nullopt, n.text());
  } else if (v.type().is_collection()) {
    for (const Value& e : v.elements()) CheckRule(a, e, path, diags);
    return;
  } else {
    s = InternalError("a rule on a value of this type");
  }
  if (s.ok()) return;
  if (s.code() == StatusCode::kInternal) {
    diags.AddAttributeError(path, "Invalid schema",
                            path.ToString() + ": the schema's rule \"" + a.validate + "\" does not apply (" +
                                s.message() + "). This is a bug in the provider; please report it.");
    return;
  }
  std::string detail = s.message() + ".";
  if (!a.validate_hint.empty()) detail += " " + a.validate_hint;
  diags.AddAttributeError(path, AttributeRuleSummary(a.validate), detail);
}

void CollectRuleErrors(const BlockSchema& schema, const Value& v, const AttributePath& base, Diagnostics& diags) {
  if (!v.is_known() || !v.type().is_object()) return;
  auto at = [&](const std::string& name) { return base.steps.empty() ? AttributePath(name) : base.Attr(name); };
  for (const auto& a : schema.attributes) {
    if (!a.validate.empty()) CheckRule(a, v.GetAttr(a.name), at(a.name), diags);
  }
  for (const auto& b : schema.blocks) {
    Value bv = v.GetAttr(b.name);
    if (!bv.is_known() || bv.is_null()) continue;
    if (b.nesting == Nesting::kSingle) {
      CollectRuleErrors(b, bv, at(b.name), diags);
      continue;
    }
    for (size_t i = 0; i < bv.elements().size(); ++i) {
      CollectRuleErrors(b, bv.elements()[i], at(b.name).Index(static_cast<int64_t>(i)), diags);
    }
  }
}

}  // namespace

void CheckAttributeRules(const BlockSchema& schema, const Value& config, Diagnostics& diags) {
  CollectRuleErrors(schema, config, AttributePath(), diags);
}

std::vector<AttributePath> WriteOnlyPathsSet(const BlockSchema& schema, const Value& config) {
  std::vector<AttributePath> out;
  CollectWriteOnly(schema, config, AttributePath(), out);
  return out;
}

void CheckWriteOnlyAllowed(const BlockSchema& schema, const Value& config, bool write_only_allowed,
                           Diagnostics& diags) {
  if (write_only_allowed) return;
  for (const AttributePath& path : WriteOnlyPathsSet(schema, config)) {
    diags.AddAttributeError(
        path, "Write-only attribute needs Terraform 1.11 or later",
        path.ToString() +
            " is a write-only attribute: Terraform hands its value to the provider and keeps it out of the plan "
            "and the state. This Terraform does not support write-only attributes (Terraform 1.11 and later do) "
            "and would store the value in the state. Upgrade Terraform to 1.11 or later, or remove " +
            path.ToString() + " from the configuration.");
  }
}

void CheckAppliedState(const Value& planned, const Value& applied, Diagnostics& diags) {
  CheckKnown(planned, applied, AttributePath(), diags);
}

std::optional<std::string> GetString(const Value& object, const std::string& name) {
  if (!object.is_known()) return std::nullopt;
  Value v = object.GetAttr(name);
  if (!v.is_known() || v.type() != Type::String()) return std::nullopt;
  return v.as_string();
}

std::optional<int64_t> GetInt(const Value& object, const std::string& name) {
  if (!object.is_known()) return std::nullopt;
  Value v = object.GetAttr(name);
  if (!v.is_known() || v.type() != Type::Number()) return std::nullopt;
  return v.as_number().ToInt64();
}

std::optional<std::vector<std::string>> GetStringList(const Value& object, const std::string& name) {
  if (!object.is_known()) return std::nullopt;
  Value v = object.GetAttr(name);
  if (!v.is_known()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v.elements()) {
    if (!e.is_known()) return std::nullopt;
    out.push_back(e.as_string());
  }
  return out;
}

bool IsUnknown(const Value& object, const std::string& name) {
  if (object.is_unknown()) return true;
  if (!object.is_known()) return false;
  return !object.GetAttr(name).IsWhollyKnown();
}

Value WithAttr(const Value& object, const std::string& name, Value v) {
  std::map<std::string, Value> attrs = object.entries();
  attrs[name] = std::move(v);
  return Value::ObjectOfType(object.type(), std::move(attrs));
}

Value EmptyObject(const BlockSchema& schema) {
  std::map<std::string, Value> attrs;
  for (const auto& a : schema.attributes) attrs.emplace(a.name, Value::Null(a.type));
  for (const auto& b : schema.blocks) {
    switch (b.nesting) {
      case Nesting::kSingle: attrs.emplace(b.name, Value::Null(b.ObjectType())); break;
      case Nesting::kList: attrs.emplace(b.name, Value::List(b.ObjectType(), {})); break;
      case Nesting::kSet: attrs.emplace(b.name, Value::Set(b.ObjectType(), {})); break;
    }
  }
  return Value::ObjectOfType(schema.ObjectType(), std::move(attrs));
}

Value JsonToValue(const nlohmann::json& j, const Type& type) {
  if (j.is_null()) return Value::Null(type);
  switch (type.kind()) {
    case TypeKind::kString: return j.is_string() ? Value::String(j.get<std::string>()) : Value::String(j.dump());
    case TypeKind::kBool: return Value::Bool(j.is_boolean() && j.get<bool>());
    case TypeKind::kNumber:
      if (j.is_number_integer()) return Value::Int(j.get<int64_t>());
      return Value::NumberV(Number::FromDouble(j.get<double>()));
    case TypeKind::kList:
    case TypeKind::kSet: {
      std::vector<Value> elems;
      for (const auto& e : j) elems.push_back(JsonToValue(e, type.element()));
      return type.kind() == TypeKind::kList ? Value::List(type.element(), std::move(elems))
                                            : Value::Set(type.element(), std::move(elems));
    }
    default: return Value::Null(type);
  }
}

}  // namespace ionos::tf
