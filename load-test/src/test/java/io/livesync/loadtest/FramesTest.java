package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FramesTest {
  private static byte[] b(String s) {
    return Frames.bytes(s);
  }

  @Test
  void recognisesEachServerMessageAsTheServerWritesIt() {
    String[][] cases = {
        {"{\"type\":\"change\",\"collection\":\"c\",\"seq\":3}", "CHANGE"},
        {"{\"type\":\"changes\",\"collection\":\"c\",\"items\":[]}", "CHANGES"},
        {"{\"opId\":\"x\",\"collection\":\"c\",\"id\":\"a\",\"status\":\"applied\",\"version\":1,"
            + "\"seq\":1,\"type\":\"ack\"}", "ACK"},
        {"{\"type\":\"error\",\"code\":\"bad_request\"}", "ERROR"},
        {"{\"type\":\"synced\",\"collection\":\"c\",\"seq\":0}", "SYNCED"},
        {"{\"type\":\"welcome\",\"protocol\":1}", "WELCOME"},
        {"{\"type\":\"reset\",\"collection\":\"c\"}", "RESET"},
        {"{\"type\":\"pong\",\"time\":1}", "OTHER"},
        {"[]", "OTHER"},
    };
    for (String[] c : cases) {
      byte[] bytes = b(c[0]);
      assertThat(Frames.type(bytes, bytes.length)).as(c[0]).hasToString(c[1]);
    }
  }

  @Test
  void readsStampWriterAndSeqOfAChangeWhateverTheDataKeyOrder() {
    byte[] f = b("{\"type\":\"change\",\"collection\":\"c\",\"id\":\"r1-5\",\"op\":\"insert\","
        + "\"data\":{\"ltT\":123456,\"ltW\":7,\"p\":\"xxxx\"},\"version\":2,\"seq\":42,"
        + "\"ts\":\"1-0000-a\",\"origin\":\"a\",\"opId\":\"run.7.5.123456\"}");
    int data = Frames.indexOf(f, f.length, Frames.DATA, 0);
    assertThat(Frames.longAfter(f, f.length, Frames.T, data, -1)).isEqualTo(123456);
    assertThat(Frames.longAfter(f, f.length, Frames.W, data, -1)).isEqualTo(7);
    assertThat(Frames.longAfter(f, f.length, Frames.SEQ, -1)).isEqualTo(42);
    byte[] sorted = b("{\"type\":\"change\",\"data\":{\"ltW\":3,\"ltT\":99,\"p\":\"x\"},\"seq\":1}");
    data = Frames.indexOf(sorted, sorted.length, Frames.DATA, 0);
    assertThat(Frames.longAfter(sorted, sorted.length, Frames.T, data, -1)).isEqualTo(99);
    assertThat(Frames.longAfter(sorted, sorted.length, Frames.W, data, -1)).isEqualTo(3);
  }

  @Test
  void readsAckFieldsAndCountsPageItems() {
    byte[] ack = b("{\"opId\":\"ab12.3.9.777\",\"collection\":\"c\",\"id\":\"a\",\"status\":"
        + "\"merged\",\"version\":4,\"seq\":10,\"record\":{\"seq\":10},\"type\":\"ack\"}");
    assertThat(Frames.stringAfter(ack, ack.length, Frames.OP_ID)).isEqualTo("ab12.3.9.777");
    assertThat(Frames.stringAfter(ack, ack.length, Frames.STATUS)).isEqualTo("merged");
    assertThat(Frames.longAfter(ack, ack.length, Frames.SEQ, -1)).isEqualTo(10);
    byte[] page = b("{\"type\":\"changes\",\"collection\":\"c\",\"items\":[{\"seq\":1},"
        + "{\"seq\":2},{\"seq\":3}]}");
    assertThat(Frames.count(page, page.length, Frames.SEQ)).isEqualTo(3);
    assertThat(Frames.longAfter(page, page.length, b("\"missing\":"), -1)).isEqualTo(-1);
  }

  @Test
  void findsDataFieldsWhereTheGeneratorWritesThemAndAnywhereElseInTheObject() {
    byte[] f = b("{\"type\":\"change\",\"data\":{\"ltT\":-12,\"ltW\":7,\"p\":\"x\"},\"seq\":5}");
    int data = Frames.indexOf(f, f.length, Frames.DATA, 0);
    int t = Frames.fieldAt(f, f.length, Frames.T, data, data + Frames.DATA.length);
    assertThat(t).isEqualTo(data + Frames.DATA.length);
    int tEnd = Frames.numberEnd(f, f.length, t + Frames.T.length);
    assertThat(Frames.parseLong(f, f.length, t + Frames.T.length, 0)).isEqualTo(-12);
    assertThat(f[tEnd]).isEqualTo((byte) ',');
    int w = Frames.fieldAt(f, f.length, Frames.W, data, tEnd + 1);
    assertThat(w).isEqualTo(tEnd + 1);
    byte[] other = b("{\"data\":{\"p\":\"x\",\"ltW\":3,\"ltT\":9},\"seq\":1}");
    data = Frames.indexOf(other, other.length, Frames.DATA, 0);
    t = Frames.fieldAt(other, other.length, Frames.T, data, data + Frames.DATA.length);
    assertThat(Frames.parseLong(other, other.length, t + Frames.T.length, -1)).isEqualTo(9);
    w = Frames.fieldAt(other, other.length, Frames.W, data, 0);
    assertThat(Frames.parseLong(other, other.length, w + Frames.W.length, -1)).isEqualTo(3);
    assertThat(Frames.fieldAt(other, other.length, Frames.W, -1, 0)).isEqualTo(-1);
    assertThat(Frames.fieldAt(other, other.length, b("\"nope\":"), data, 0)).isEqualTo(-1);
  }
}
