// SPDX-License-Identifier: MIT
#pragma once

#include <QProcessEnvironment>
#include <QSettings>

namespace dmr::console {

// What the settings dialog saves (QSettings, ~/.config/device-metrics-reporter/
// metrics-console.conf), as the environment variables ConsoleConfig reads.
// Saved values take the place of an environment variable that is not set, so
// flags and the real environment still win.
class SavedSettings
{
public:
    // The environment variables the dialog edits.
    static const QStringList &keys();

    explicit SavedSettings(QSettings *settings);

    QString value(const QString &key) const;
    void setValue(const QString &key, const QString &value);
    QProcessEnvironment mergedInto(QProcessEnvironment environment) const;

private:
    QSettings *m_settings;
};

} // namespace dmr::console
