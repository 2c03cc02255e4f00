// SPDX-License-Identifier: MIT
#pragma once

#include <QTcpServer>

// A QTcpServer whose connections send without Nagle's delay (TCP_NODELAY).
// QHttpServer writes a response's headers and body in separate writes; with
// Nagle's algorithm the tail of a large body then waits for the client's
// delayed ACK, 40 ms on Linux, on every keep-alive response.
class LowDelayTcpServer : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr socketDescriptor) override;
};
