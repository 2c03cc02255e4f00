// SPDX-License-Identifier: MIT
#include "gui/SavedSettings.h"

namespace dmr::console {

const QStringList &SavedSettings::keys()
{
    static const QStringList list
        = {QStringLiteral("METRICS_UDP_PORT"), QStringLiteral("METRICS_BIND"),
            QStringLiteral("METRICS_HTTP_PORT"), QStringLiteral("METRICS_HTTP_BIND"),
            QStringLiteral("METRICS_DB"), QStringLiteral("METRICS_OFFLINE_AFTER")};
    return list;
}

SavedSettings::SavedSettings(QSettings *settings)
    : m_settings(settings)
{ }

QString SavedSettings::value(const QString &key) const
{
    return m_settings->value(QStringLiteral("console/") + key).toString();
}

void SavedSettings::setValue(const QString &key, const QString &value)
{
    if (value.isEmpty())
        m_settings->remove(QStringLiteral("console/") + key);
    else
        m_settings->setValue(QStringLiteral("console/") + key, value);
}

QProcessEnvironment SavedSettings::mergedInto(QProcessEnvironment environment) const
{
    for (const QString &key : keys()) {
        const QString saved = value(key);
        if (!saved.isEmpty() && !environment.contains(key))
            environment.insert(key, saved);
    }
    return environment;
}

} // namespace dmr::console
