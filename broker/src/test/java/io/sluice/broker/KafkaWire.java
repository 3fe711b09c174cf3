package io.sluice.broker;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/** Kafka requests written and responses read by hand, for tests that send what no client would. */
final class KafkaWire {
    private KafkaWire() {
    }

    /** A request frame, size prefix included. */
    static byte[] frame(ApiKeys api, short version, int correlationId, ApiMessage body) {
        return frame(new RequestHeader(api, version, "test", correlationId), body, version);
    }

    /** A frame of {@code header} and {@code body} in {@code bodyVersion}, which may differ from the header's. */
    static byte[] frame(RequestHeader header, ApiMessage body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.data().size(cache, header.headerVersion()) + body.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size).putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(buffer);
        header.data().write(writer, cache, header.headerVersion());
        body.write(writer, cache, version);
        return buffer.array();
    }

    /** The next response frame without its size prefix, or null if the broker closed the connection. */
    static ByteBuffer read(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return ByteBuffer.wrap(response);
        } catch (EOFException | SocketException closed) {
            return null;
        }
    }

    /** Sends a request and parses its response. */
    static AbstractResponse exchange(Socket socket, ApiKeys api, short version, ApiMessage body) throws IOException {
        socket.getOutputStream().write(frame(api, version, 1, body));
        ByteBuffer response = read(socket);
        if (response == null) {
            throw new EOFException("the broker closed the connection instead of answering " + api + " v" + version);
        }
        ResponseHeader.parse(response, api.responseHeaderVersion(version));
        return AbstractResponse.parseResponse(api, new ByteBufferAccessor(response), version);
    }
}
