// SPDX-License-Identifier: MIT
#include "auth/Role.h"

namespace dmr::console {

QString roleName(Role role)
{
    switch (role) {
    case Role::Viewer:
        return QStringLiteral("viewer");
    case Role::Operator:
        return QStringLiteral("operator");
    case Role::Admin:
        return QStringLiteral("admin");
    }
    return QString();
}

std::optional<Role> parseRole(const QString &name)
{
    for (Role role : {Role::Viewer, Role::Operator, Role::Admin}) {
        if (name.compare(roleName(role), Qt::CaseInsensitive) == 0)
            return role;
    }
    return std::nullopt;
}

QString roleChoices()
{
    return QStringLiteral("viewer, operator or admin");
}

} // namespace dmr::console
