// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <csignal>

// A program the end-to-end tests run and stop as a service manager would:
// its output and errors in one log, SIGTERM for a clean stop, SIGKILL on
// the way out. ConsoleProcess and AgentProcess start it.
class ChildProcess
{
public:
    // terminateMs: how long terminate() waits for a clean exit.
    explicit ChildProcess(int terminateMs)
        : m_terminateMs(terminateMs)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
    }
    ~ChildProcess() { kill(); }
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    qint64 processId() const { return m_process.processId(); }

    // SIGTERM, then its exit code; -1 for a crash or no exit in time.
    int terminate()
    {
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(m_terminateMs))
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

protected:
    // Starts `program` with a fresh log; false if it could not be started.
    bool launch(const QString &program, const QStringList &arguments)
    {
        m_log.clear();
        m_process.start(program, arguments);
        return m_process.waitForStarted();
    }

    QProcess m_process;

private:
    int m_terminateMs;
    QByteArray m_log;
};
