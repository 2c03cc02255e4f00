// SPDX-License-Identifier: MIT
#pragma once

#include "support/ChildProcess.h"

#include <QFile>

// A real metrics-agent process for end-to-end tests: it reads the Raspberry
// Pi fixture tree, reports to 127.0.0.1, reads no .env and logs to its output.
class AgentProcess : public ChildProcess
{
public:
    AgentProcess()
        : ChildProcess(10000)
    { }

    bool start(quint16 consolePort, const QString &deviceId, const QStringList &extra = {})
    {
        return launch(QStringLiteral(DMR_BINARY_DIR "/agent/metrics-agent"),
            QStringList {QStringLiteral("--root"), QStringLiteral(DMR_TEST_DATA "/proc-rpi"),
                QStringLiteral("--server"), QStringLiteral("127.0.0.1:%1").arg(consolePort),
                QStringLiteral("--device-id"), deviceId, QStringLiteral("--log-file"),
                QStringLiteral("-"), QStringLiteral("--env-file"), QStringLiteral("/dev/null")}
                + extra);
    }

    // Gives a device a key as users do: `metrics-console keys add` appends it
    // to the console's key file and prints the agent's line, which goes into
    // agentKeyFile with mode 0600. Returns "" or what went wrong.
    static QByteArray addKey(const QString &consoleKeyFile, const QString &deviceId,
        const QString &security, const QString &agentKeyFile)
    {
        QProcess keys;
        keys.start(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
            {QStringLiteral("keys"), QStringLiteral("add"), deviceId, QStringLiteral("--security"),
                security, QStringLiteral("--key-file"), consoleKeyFile,
                QStringLiteral("--env-file"), QStringLiteral("/dev/null")});
        if (!keys.waitForFinished(10000) || keys.exitCode() != 0)
            return "metrics-console keys add failed: " + keys.readAllStandardError();
        const QByteArray line = keys.readAllStandardOutput().trimmed();
        if (!line.contains(':') || line.size() <= 64)
            return "unexpected key line: " + line;
        QFile file(agentKeyFile);
        if (!file.open(QIODevice::WriteOnly)
            || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
            || file.write(line + '\n') != line.size() + 1)
            return "cannot write " + QFile::encodeName(agentKeyFile);
        return QByteArray();
    }
};
