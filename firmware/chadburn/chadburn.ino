// Chadburn: the engine order telegraph's firmware, for a Teensy 4.0 or 4.1 on USB serial.
// Sends ORDER when the handle settles on a new position, shows the server's ANSWER and ORDER on
// one row of LEDs, chirps on both, answers PING. Wiring: ../README.md; protocol: ../PROTOCOL.md.
// The protocol and debounce code in src/ is plain C, unit-tested on the host (make -C firmware test).

#include "src/debounce.h"
#include "src/protocol.h"

#define FIRMWARE_NAME "chadburn-eot"
#define FIRMWARE_VERSION "1.0.0"
static_assert(sizeof FIRMWARE_NAME <= CHADBURN_NAME_MAX + 1, "HELLO name too long");
static_assert(sizeof FIRMWARE_VERSION <= CHADBURN_VERSION_MAX + 1, "HELLO version too long");

const unsigned POSITIONS = 11;
// Element i is position i + 1. Pins 0-23 are in the same place on the Teensy 4.0 and 4.1.
const uint8_t HANDLE_PINS[POSITIONS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};  // contact to GND
const uint8_t LED_PINS[POSITIONS] = {13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};
const uint8_t LINK_LED_PIN = 11;  // lit while the server's PINGs arrive
const uint8_t BUZZER_PIN = 12;    // passive piezo

const uint32_t LINK_DEAD_MS = 4000;  // the server's own limit for silence
const uint32_t BLINK_MS = 250;       // half a period of the order LED's blink
const uint16_t CHIRP_HZ = 2500;
const uint32_t CHIRP_MS = 60;

static struct chadburn_debounce handle;
static struct chadburn_line_reader reader;
static bool handleKnown;  // the first position settled after boot is where the handle rests, not an order
static unsigned unsent;   // an order from the handle that no host was there to hear yet
static unsigned order;    // the current order, blinking until it is answered (0: none)
static unsigned answer;   // the last answer, lit steadily (0: none)
static bool connected;    // a host has the port open
static bool pinged;       // a PING arrived since the port was opened...
static uint32_t lastPing; // ...at this time

// The one position whose contact is closed: 0 between detents, and 0 if several read closed.
static unsigned readHandle() {
  unsigned found = 0;
  for (unsigned i = 0; i < POSITIONS; i++) {
    if (digitalRead(HANDLE_PINS[i]) != LOW) continue;
    if (found) return 0;
    found = i + 1;
  }
  return found;
}

// Writes only while a host has the port open: a line written with nobody reading would wait in
// the USB buffers and reach the next program to open the port, stale.
static void sendMessage(const struct chadburn_msg &m) {
  char line[CHADBURN_FORMAT_SIZE];
  size_t len = chadburn_format(&m, line, sizeof line);
  if (len && connected) Serial.write(line, len);
}

// Any message but HELLO; the position counts for ORDER and ANSWER only.
static void sendKind(enum chadburn_kind kind, unsigned position) {
  struct chadburn_msg m = {};
  m.kind = kind;
  m.position = position;
  sendMessage(m);
}

static void sayHello() {
  struct chadburn_msg m = {};
  m.kind = CHADBURN_HELLO;
  strcpy(m.name, FIRMWARE_NAME);
  strcpy(m.version, FIRMWARE_VERSION);
  sendMessage(m);
}

static void chirp() { tone(BUZZER_PIN, CHIRP_HZ, CHIRP_MS); }  // returns at once; the tone runs on a timer

static void handleLine(const char *line, size_t len, uint32_t now) {
  struct chadburn_msg m;
  switch (chadburn_parse_line(line, len, &m)) {
    case CHADBURN_PING:
      pinged = true;
      lastPing = now;
      sendKind(CHADBURN_PONG, 0);
      break;
    case CHADBURN_ANSWER:
      answer = m.position;
      chirp();
      break;
    case CHADBURN_ORDER:  // from a panel, the API or the status file
      order = m.position;
      chirp();
      break;
    default:  // HELLO, PONG, empty lines and malformed ones: there is no one to complain to
      break;
  }
}

// One row of LEDs is both indicators: the answer is lit steadily, an order not yet answered
// blinks. An answered order is simply lit, as the answer.
static void showIndicators(uint32_t now) {
  bool blinkOn = (now / BLINK_MS) % 2 == 0;
  for (unsigned i = 0; i < POSITIONS; i++) {
    unsigned position = i + 1;
    digitalWrite(LED_PINS[i], position == answer || (position == order && blinkOn) ? HIGH : LOW);
  }
  digitalWrite(LINK_LED_PIN, connected && pinged && now - lastPing < LINK_DEAD_MS ? HIGH : LOW);
}

void setup() {
  for (unsigned i = 0; i < POSITIONS; i++) {
    pinMode(HANDLE_PINS[i], INPUT_PULLUP);
    pinMode(LED_PINS[i], OUTPUT);
  }
  pinMode(LINK_LED_PIN, OUTPUT);
  pinMode(BUZZER_PIN, OUTPUT);
  // USB serial ignores the baud rate; 9600 is the old prototype's. No `while (!Serial)`: that
  // would hang without a host, and the handle and LEDs must work without one.
  Serial.begin(9600);
  chadburn_debounce_init(&handle, CHADBURN_SETTLE_MS);
  chadburn_reader_init(&reader);
}

void loop() {
  uint32_t now = millis();

  // A host raises DTR when it opens the port and drops it when it closes it (or exits), so a
  // rising DTR is a (re)connect: greet every new reader, since it missed any earlier HELLO.
  bool wasConnected = connected;
  connected = Serial.dtr();
  if (connected && !wasConnected) {
    pinged = false;
    sayHello();
  } else if (!connected && wasConnected) {
    chadburn_reader_init(&reader);  // half a line from the last host must not start the next one's
  }

  while (Serial.available() > 0) {
    const char *line;
    size_t len;
    // Over-long lines come back as CHADBURN_READ_TOO_LONG and are ignored like malformed ones.
    if (chadburn_reader_feed(&reader, (unsigned char)Serial.read(), &line, &len) == CHADBURN_READ_LINE)
      handleLine(line, len, now);
  }

  unsigned settled = chadburn_debounce_update(&handle, readHandle(), now);
  if (settled) {
    if (handleKnown) order = unsent = settled;
    handleKnown = true;
  }
  if (unsent && connected) {
    sendKind(CHADBURN_ORDER, unsent);
    unsent = 0;
  }

  showIndicators(now);
}
