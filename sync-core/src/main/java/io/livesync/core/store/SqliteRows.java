package io.livesync.core.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.CollectionInfo;
import io.livesync.core.spi.OpRecord;
import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Codec;
import io.livesync.protocol.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Maps rows to the SPI's values and back. Stateless. */
final class SqliteRows {
  static final String RECORD_COLUMNS =
      "collection, id, version, seq, ts, deleted, data, meta, updated_at";

  private SqliteRows() {
  }

  /** Reads a record from the current row, whose columns are {@link #RECORD_COLUMNS}. */
  static StoredRecord record(ResultSet rs) throws SQLException {
    String meta = rs.getString(8);
    return new StoredRecord(rs.getString(1), rs.getString(2), Json.parseObject(rs.getString(7)),
        rs.getLong(3), rs.getLong(4), rs.getString(5), rs.getInt(6) != 0,
        meta == null ? null : Json.parseObject(meta), rs.getLong(9));
  }

  /** Binds {@code r} with the given seq to parameters 1..9, in {@link #RECORD_COLUMNS} order. */
  static void bindRecord(PreparedStatement ps, StoredRecord r, long seq) throws SQLException {
    ps.setString(1, r.collection());
    ps.setString(2, r.id());
    ps.setLong(3, r.version());
    ps.setLong(4, seq);
    ps.setString(5, r.ts());
    ps.setInt(6, r.deleted() ? 1 : 0);
    ps.setString(7, Json.write(r.data() == null ? Json.object() : r.data()));
    ps.setString(8, r.meta() == null ? null : Json.write(r.meta()));
    ps.setLong(9, r.updatedAt());
  }

  /** Reads an op from columns op_id, fingerprint, ack, created_at. */
  static OpRecord op(ResultSet rs) throws SQLException {
    return new OpRecord(rs.getString(1), rs.getString(2), decodeAck(rs.getString(3)),
        rs.getLong(4));
  }

  /** Reads collection markers from columns name, epoch, seq, horizon. */
  static CollectionInfo collection(ResultSet rs) throws SQLException {
    return new CollectionInfo(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4));
  }

  static String encodeAck(Ack ack) {
    return Codec.ackJson(ack, false);
  }

  static Ack decodeAck(String text) {
    ObjectNode node = Json.parseObject(text);
    return Codec.decodeAck(node);
  }
}
