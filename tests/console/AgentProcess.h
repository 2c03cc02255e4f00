// SPDX-License-Identifier: MIT
#pragma once

#include <QFile>
#include <QProcess>
#include <csignal>

// A real metrics-agent process for end-to-end tests: it reads the Raspberry
// Pi fixture tree, reports to 127.0.0.1, reads no .env and logs to its output.
class AgentProcess
{
public:
    AgentProcess() { m_process.setProcessChannelMode(QProcess::MergedChannels); }
    ~AgentProcess() { kill(); }
    AgentProcess(const AgentProcess &) = delete;
    AgentProcess &operator=(const AgentProcess &) = delete;

    bool start(quint16 consolePort, const QString &deviceId, const QStringList &extra = {})
    {
        m_log.clear();
        m_process.start(QStringLiteral(DMR_BINARY_DIR "/agent/metrics-agent"),
            QStringList {QStringLiteral("--root"), QStringLiteral(DMR_TEST_DATA "/proc-rpi"),
                QStringLiteral("--server"), QStringLiteral("127.0.0.1:%1").arg(consolePort),
                QStringLiteral("--device-id"), deviceId, QStringLiteral("--log-file"),
                QStringLiteral("-"), QStringLiteral("--env-file"), QStringLiteral("/dev/null")}
                + extra);
        return m_process.waitForStarted();
    }

    // SIGTERM, then its exit code; -1 for a crash or no exit within 10 s.
    int terminate()
    {
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(10000))
            return -1;
        log();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }

    // Everything it has printed so far.
    const QByteArray &log()
    {
        m_log += m_process.readAll();
        return m_log;
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

private:
    QProcess m_process;
    QByteArray m_log;
};
