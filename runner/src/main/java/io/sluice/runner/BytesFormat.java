package io.sluice.runner;

import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/** How the command line shows a record's key or value bytes: as the serde that wrote them would read them. */
enum BytesFormat {
    STRING(Serdes.string()), LONG(Serdes.longs()), INTEGER(Serdes.integers()), DOUBLE(Serdes.doubles()), HEX(null),
    BASE64(null);

    private final Serde<?> serde;

    BytesFormat(Serde<?> serde) {
        this.serde = serde;
    }

    /** The bytes as text; null as {@code null}; bytes this format cannot read as {@code !hex:…} rather than fail. */
    String decode(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        if (this == HEX) {
            return HexFormat.of().formatHex(bytes);
        }
        if (this == BASE64) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (this == STRING) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        try {
            return String.valueOf(serde.deserialize(bytes));
        } catch (RuntimeException e) {
            return "!hex:" + HexFormat.of().formatHex(bytes);
        }
    }
}
