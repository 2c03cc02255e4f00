// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <optional>

namespace dmr::console {

// What a person or a token may do, each role all of the one below it:
//  - viewer: read (devices, history, alerts, rules, exports, /metrics);
//  - operator: acknowledge and silence alerts, maintenance, labels, and
//    reports over HTTP;
//  - admin: rules, channels, devices (rename, delete, merge), users, every
//    token, the audit log.
enum class Role { Viewer = 1, Operator = 2, Admin = 3 };

QString roleName(Role role);
std::optional<Role> parseRole(const QString &name);
// "viewer, operator or admin", for error messages.
QString roleChoices();

} // namespace dmr::console
