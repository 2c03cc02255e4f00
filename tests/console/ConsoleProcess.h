// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <QRegularExpression>
#include <csignal>

// A real metrics-console process for end-to-end tests: headless on
// 127.0.0.1, free UDP and HTTP ports, no .env, logging to its output.
class ConsoleProcess
{
public:
    explicit ConsoleProcess(QString db)
        : m_db(std::move(db))
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
    }
    ~ConsoleProcess() { kill(); }
    ConsoleProcess(const ConsoleProcess &) = delete;
    ConsoleProcess &operator=(const ConsoleProcess &) = delete;

    // Starts it and waits until it receives (it logs its UDP port); false if
    // it exits or says nothing within 5 s.
    bool start(const QStringList &extra = {})
    {
        m_log.clear();
        m_udpPort = m_httpPort = 0;
        m_process.start(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
            QStringList {QStringLiteral("--headless"), QStringLiteral("--bind"),
                QStringLiteral("127.0.0.1"), QStringLiteral("--udp-port"), QStringLiteral("0"),
                QStringLiteral("--http-port"), QStringLiteral("0"), QStringLiteral("--db"), m_db,
                QStringLiteral("--log-file"), QStringLiteral("-"), QStringLiteral("--env-file"),
                QStringLiteral("/dev/null")}
                + extra);
        if (!m_process.waitForStarted())
            return false;
        static const QRegularExpression udpLine(QStringLiteral("UDP port (\\d+)"));
        static const QRegularExpression httpLine(QStringLiteral("http://127\\.0\\.0\\.1:(\\d+)/"));
        for (int i = 0; i < 200 && m_udpPort == 0; ++i) {
            m_process.waitForReadyRead(25);
            const QString text = QString::fromUtf8(log());
            if (const auto match = udpLine.match(text); match.hasMatch())
                m_udpPort = quint16(match.captured(1).toUInt());
            if (const auto match = httpLine.match(text); match.hasMatch())
                m_httpPort = quint16(match.captured(1).toUInt());
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        return m_udpPort != 0;
    }

    quint16 udpPort() const { return m_udpPort; }
    quint16 httpPort() const { return m_httpPort; }
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    qint64 processId() const { return m_process.processId(); }

    // SIGTERM, then its exit code; -1 for a crash or no exit within 20 s.
    int terminate()
    {
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(20000))
            return -1;
        log();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

    // SIGKILL: no flush, no cleanup.
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

private:
    QString m_db;
    QProcess m_process;
    QByteArray m_log;
    quint16 m_udpPort = 0;
    quint16 m_httpPort = 0;
};
