// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

// `promtool check metrics` over a /metrics page; the tests assert on what it
// says (nothing, when the page is clean).
struct PromtoolCheck
{
    bool ran = false; // started and finished within 30 s
    int exitCode = -1;
    QByteArray findings;
};

inline PromtoolCheck checkMetrics(const QString &promtool, const QByteArray &page)
{
    PromtoolCheck result;
    QProcess check;
    check.setProcessChannelMode(QProcess::MergedChannels);
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!check.waitForStarted())
        return result;
    check.write(page);
    check.closeWriteChannel();
    result.ran = check.waitForFinished(30000);
    result.exitCode = check.exitCode();
    result.findings = check.readAll();
    return result;
}
