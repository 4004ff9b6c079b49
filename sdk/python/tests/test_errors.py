"""Error answers become AlgoDeckError or RiskRejected, through the REST client (a tiny HTTP server here)."""
from __future__ import annotations

import asyncio
import http.server
import io
import json
import sys
import threading
import unittest
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algodeck import AlgoDeckError, Order, RiskRejected  # noqa: E402
from algodeck.log import Logger  # noqa: E402
from algodeck.errors import error_from_body  # noqa: E402
from algodeck.rest import RestClient  # noqa: E402

REJECTED = {
    "error": {
        "code": "risk_rejected",
        "message": "The order would take ma's money at risk to ₹12,400, over its limit of ₹10,000.",
        "details": {
            "rule": "max_risk_algo",
            "limit": 10000,
            "value": 12400,
            "order": {"id": "o-1-abcdef01", "algo": "ma", "instrument": "NSE:INFY", "side": "BUY", "quantity": 10, "type": "MARKET", "state": "rejected", "filledQuantity": 0, "averagePrice": None, "fees": 0, "brokerOrderId": None, "rejection": {"rule": "max_risk_algo", "message": "…"}, "createdAt": "2026-12-02T09:15:00.000Z", "updatedAt": "2026-12-02T09:15:00.000Z", "clientOrderId": "ma-1"},
        },
    }
}


class ErrorMappingTest(unittest.TestCase):
    def test_an_error_body_keeps_code_message_field_and_status(self) -> None:
        error = error_from_body(400, {"error": {"code": "unknown_instrument", "message": "Unknown instrument: NSE:NOPE.", "field": "instruments", "details": {"unknown": ["NSE:NOPE"]}}})
        self.assertIs(type(error), AlgoDeckError)
        self.assertEqual((error.code, error.message, error.field, error.status), ("unknown_instrument", "Unknown instrument: NSE:NOPE.", "instruments", 400))
        self.assertEqual(error.details, {"unknown": ["NSE:NOPE"]})
        self.assertIn("unknown_instrument", str(error))

    def test_risk_rejected_carries_rule_limit_value_and_the_order(self) -> None:
        error = error_from_body(422, REJECTED)
        self.assertIsInstance(error, RiskRejected)
        self.assertIsInstance(error, AlgoDeckError, "one except clause catches every agent error")
        assert isinstance(error, RiskRejected)
        self.assertEqual((error.code, error.rule, error.limit, error.value, error.status), ("risk_rejected", "max_risk_algo", 10000, 12400, 422))
        self.assertTrue(error.message.startswith("The order would take"))
        self.assertIsInstance(error.order, Order)
        self.assertEqual((error.order.state, error.order.client_order_id, error.order.filled_quantity), ("rejected", "ma-1", 0))

    def test_a_rule_without_a_limit(self) -> None:
        error = error_from_body(422, {"error": {"code": "risk_rejected", "message": "Halted.", "details": {"rule": "halted"}}})
        assert isinstance(error, RiskRejected)
        self.assertEqual((error.rule, error.limit, error.value, error.order), ("halted", None, None, None))

    def test_a_body_that_is_not_an_error_body_still_gives_a_code_by_status(self) -> None:
        self.assertEqual(error_from_body(503, None, "HTTP 503").code, "unavailable")
        self.assertEqual(error_from_body(401, "nope").code, "unauthorized")
        self.assertEqual(error_from_body(500, {"error": "x"}).code, "internal")

    def test_log_lines_are_json_with_time_level_msg_and_fields(self) -> None:
        out = io.StringIO()
        Logger(out).info("bought", qty=1, instrument="NSE:INFY")
        Logger(out).warn("careful", msg="not overwritten")
        first, second = [json.loads(line) for line in out.getvalue().splitlines()]
        self.assertEqual({k: first[k] for k in ("level", "msg", "qty", "instrument")}, {"level": "info", "msg": "bought", "qty": 1, "instrument": "NSE:INFY"})
        self.assertRegex(first["time"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
        self.assertEqual((second["level"], second["msg"]), ("warn", "careful"))


class _Handler(http.server.BaseHTTPRequestHandler):
    answers: dict[str, tuple[int, Any]] = {}
    seen: list[tuple[str, str, str | None, bytes]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.command, self.path, self.headers.get("Authorization"), body))
        status, payload = type(self).answers.get(self.path.split("?")[0], (404, {"error": {"code": "not_found", "message": "No such endpoint."}}))
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class RestErrorTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        _Handler.seen = []
        _Handler.answers = {
            "/api/v1/orders": (422, REJECTED),
            "/api/v1/quotes": (400, {"error": {"code": "invalid_request", "message": "instruments.0: bad id", "field": "instruments.0"}}),
            "/api/v1/risk": (200, {"state": {"state": "ACTIVE"}}),
            "/api/v1/broken": (502, b"<html>bad gateway</html>"),
        }

    def tearDown(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    async def test_statuses_map_to_errors_and_the_token_rides_in_the_header(self) -> None:
        rest = RestClient(self.url, "tok-0123456789abcdef")
        with self.assertRaises(RiskRejected) as rejected:
            await rest.call("POST", "/orders", body={"algo": "ma"})
        self.assertEqual(rejected.exception.rule, "max_risk_algo")
        with self.assertRaises(AlgoDeckError) as invalid:
            await rest.call("GET", "/quotes", query={"instruments": ["NSE:INFY", "NSE:NIFTY 50"]})
        self.assertEqual((invalid.exception.code, invalid.exception.field, invalid.exception.status), ("invalid_request", "instruments.0", 400))
        with self.assertRaises(AlgoDeckError) as broken:
            await rest.call("GET", "/broken")
        self.assertEqual((broken.exception.code, broken.exception.status), ("internal", 502))
        self.assertIn("bad gateway", broken.exception.message)
        self.assertEqual(await rest.call("GET", "/risk"), {"state": {"state": "ACTIVE"}})
        method, path, auth, body = _Handler.seen[0]
        self.assertEqual((method, path, auth, json.loads(body)), ("POST", "/api/v1/orders", "Bearer tok-0123456789abcdef", {"algo": "ma"}))
        self.assertEqual(_Handler.seen[1][1], "/api/v1/quotes?instruments=NSE%3AINFY%2CNSE%3ANIFTY%2050")

    async def test_an_agent_that_never_answers_is_unavailable_after_the_retry_window(self) -> None:
        port = self.server.server_address[1]
        await asyncio.to_thread(self.server.shutdown)
        self.server.server_close()
        rest = RestClient(f"http://127.0.0.1:{port}", "tok-0123456789abcdef", retry_for=0.6)
        started = asyncio.get_running_loop().time()
        with self.assertRaises(AlgoDeckError) as error:
            await rest.call("GET", "/risk")
        self.assertEqual(error.exception.code, "unavailable")
        # One wait of 0.25 s, less its jitter (at most a quarter), before the next would pass the window.
        self.assertGreater(asyncio.get_running_loop().time() - started, 0.18, "tried again while refused")
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)  # for tearDown
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


if __name__ == "__main__":
    unittest.main()
