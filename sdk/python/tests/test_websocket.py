"""The WebSocket client against a tiny server (wsserver.py), frame by frame (RFC 6455)."""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]  # the SDK, wsserver

from algodeck import AlgoDeckError  # noqa: E402
from algodeck.stream import Stream  # noqa: E402
from algodeck.websocket import ConnectionClosed, HandshakeError, accept_key, connect, encode_frame, mask  # noqa: E402
from wsserver import Peer, Script, serve  # noqa: E402


class FramingTest(unittest.IsolatedAsyncioTestCase):
    async def run_script(self, script: Script) -> tuple[int, list[BaseException], asyncio.AbstractServer]:
        server, port, failures = await serve(script)
        self.addAsyncCleanup(self._stop, server)
        return port, failures, server

    async def _stop(self, server: asyncio.AbstractServer) -> None:
        server.close()
        await server.wait_closed()

    def test_accept_key_matches_the_rfc_example(self) -> None:
        self.assertEqual(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_frame_lengths_use_7_16_and_64_bit_forms(self) -> None:
        self.assertEqual(encode_frame(1, b"a" * 125)[1], 125)
        self.assertEqual(encode_frame(1, b"a" * 126)[1:4], bytes([126, 0, 126]))
        self.assertEqual(encode_frame(1, b"a" * 65536)[1], 127)
        self.assertEqual(struct.unpack("!Q", encode_frame(1, b"a" * 65536)[2:10])[0], 65536)
        masked = encode_frame(1, b"hello", mask_key=b"\x01\x02\x03\x04")
        self.assertEqual(masked[1], 0x80 | 5)
        self.assertEqual(mask(masked[6:], b"\x01\x02\x03\x04"), b"hello")

    async def test_handshake_sends_the_bearer_token_and_echoes_text_in_masked_frames(self) -> None:
        seen: dict[str, str] = {}

        async def script(peer: Peer) -> None:
            seen.update(peer.request)
            seen["target"] = peer.target
            for _ in range(3):
                fin, opcode, payload = await peer.frame()
                assert fin and opcode == 1
                peer.send(1, payload)
            fin, opcode, payload = await peer.frame()
            assert opcode == 8 and struct.unpack("!H", payload[:2])[0] == 1000
            peer.send(8, payload[:2])

        port, failures, _ = await self.run_script(script)
        ws = await connect(f"ws://127.0.0.1:{port}/api/v1/stream?format=json", headers={"Authorization": "Bearer tok-0123456789abcdef"})
        for text in ("hello", "é" * 200, "x" * 70_000):  # 7-bit, 16-bit and 64-bit lengths
            await ws.send(text)
            self.assertEqual(await ws.recv(), text)
        await ws.close()
        self.assertEqual(ws.close_code, 1000)
        self.assertEqual(failures, [])
        self.assertEqual(seen["authorization"], "Bearer tok-0123456789abcdef")
        self.assertEqual(seen["upgrade"].lower(), "websocket")
        self.assertEqual(seen["sec-websocket-version"], "13")
        self.assertEqual(len(base64.b64decode(seen["sec-websocket-key"])), 16)
        self.assertEqual(seen["host"], f"127.0.0.1:{port}")
        self.assertEqual(seen["target"], "/api/v1/stream?format=json")

    async def test_fragmented_messages_are_reassembled_with_control_frames_between(self) -> None:
        pongs: list[bytes] = []

        async def script(peer: Peer) -> None:
            peer.send(1, "frag".encode(), fin=False)
            peer.send(9, b"mid")  # a ping in the middle of a fragmented message
            peer.send(0, "men".encode(), fin=False)
            peer.send(0, "ted ✓".encode(), fin=True)
            peer.send(2, b"\x00\x01\x02")
            _, opcode, payload = await peer.frame()
            assert opcode == 0xA, opcode
            pongs.append(payload)
            # The client's own fragmented send.
            fin, opcode, first = await peer.frame()
            assert not fin and opcode == 1
            fin, opcode, second = await peer.frame()
            assert fin and opcode == 0
            peer.send(1, first + second)
            await peer.frame()

        port, failures, _ = await self.run_script(script)
        ws = await connect(f"ws://127.0.0.1:{port}/")
        self.assertEqual(await ws.recv(), "fragmented ✓")
        self.assertEqual(await ws.recv(), b"\x00\x01\x02")
        await ws.send_fragments(["ab", "cd"])
        self.assertEqual(await ws.recv(), "abcd")
        await ws.close()
        self.assertEqual(pongs, [b"mid"], "a ping is answered with its payload")
        self.assertEqual(failures, [])

    async def test_a_close_from_the_server_is_echoed_and_ends_recv(self) -> None:
        echoed: list[bytes] = []

        async def script(peer: Peer) -> None:
            peer.send(8, struct.pack("!H", 1001) + b"going away")
            _, opcode, payload = await peer.frame()
            assert opcode == 8
            echoed.append(payload)

        port, failures, _ = await self.run_script(script)
        ws = await connect(f"ws://127.0.0.1:{port}/")
        with self.assertRaises(ConnectionClosed) as caught:
            await ws.recv()
        self.assertEqual((caught.exception.code, caught.exception.reason), (1001, "going away"))
        with self.assertRaises(ConnectionClosed):
            await ws.send("late")
        await asyncio.sleep(0.05)
        self.assertEqual(echoed, [struct.pack("!H", 1001)])
        self.assertEqual(failures, [])

    async def test_protocol_errors_close_with_1002_or_1007(self) -> None:
        cases: list[tuple[bytes, int]] = [
            (bytes([0x81, 0x85]) + b"\x00\x00\x00\x00hello", 1002),  # a masked server frame
            (bytes([0xC1, 0x01]) + b"x", 1002),  # RSV1 without an extension
            (bytes([0x80, 0x01]) + b"x", 1002),  # a continuation with nothing to continue
            (bytes([0x09, 0x00]), 1002),  # a fragmented control frame
            (bytes([0x83, 0x00]), 1002),  # a reserved opcode
            (bytes([0x81, 0x02]) + b"\xc3\x28", 1007),  # text that is not UTF-8
            (bytes([0x88, 0x02]) + struct.pack("!H", 999), 1002),  # an invalid close code
        ]
        for data, code in cases:
            with self.subTest(frame=data.hex()):
                answered: list[int] = []

                async def script(peer: Peer, data: bytes = data) -> None:
                    peer.raw(data)
                    _, opcode, payload = await peer.frame()
                    assert opcode == 8
                    answered.append(struct.unpack("!H", payload[:2])[0])

                port, failures, _ = await self.run_script(script)
                ws = await connect(f"ws://127.0.0.1:{port}/")
                with self.assertRaises(ConnectionClosed) as caught:
                    await ws.recv()
                self.assertEqual(caught.exception.code, code)
                await asyncio.sleep(0.05)
                self.assertEqual(answered, [code], "the client says why it closes")
                self.assertEqual(failures, [])

    async def test_a_lost_connection_is_1006(self) -> None:
        async def script(peer: Peer) -> None:
            peer.raw(bytes([0x81, 0x05]) + b"he")  # cut in the middle of a frame

        port, _, _ = await self.run_script(script)
        ws = await connect(f"ws://127.0.0.1:{port}/")
        with self.assertRaises(ConnectionClosed) as caught:
            await ws.recv()
        self.assertEqual(caught.exception.code, 1006)

    async def test_ping_from_the_client_resolves_on_its_pong(self) -> None:
        async def script(peer: Peer) -> None:
            _, opcode, payload = await peer.frame()
            assert opcode == 9
            peer.send(0xA, payload)
            await peer.frame()

        port, failures, _ = await self.run_script(script)
        ws = await connect(f"ws://127.0.0.1:{port}/")
        waiter = await ws.ping(b"p1")
        await asyncio.wait_for(waiter, 2)
        await ws.close()
        self.assertEqual(failures, [])

    async def test_handshake_failures(self) -> None:
        def wrong_accept(headers: dict[str, str], target: str) -> bytes:
            return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\n\r\n"

        def refused(headers: dict[str, str], target: str) -> bytes:
            body = json.dumps({"error": {"code": "unauthorized", "message": "Missing or wrong token."}}).encode()
            return b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body

        def no_upgrade(headers: dict[str, str], target: str) -> bytes:
            accept = accept_key(headers["sec-websocket-key"]).encode()
            return b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"

        for answer, status, text in ((wrong_accept, 101, "Accept"), (refused, 401, "401"), (no_upgrade, 101, "Upgrade")):
            with self.subTest(answer=answer.__name__):
                server, port, _ = await serve(lambda peer: asyncio.sleep(0), answer=answer)
                self.addAsyncCleanup(self._stop, server)
                with self.assertRaises(HandshakeError) as caught:
                    await connect(f"ws://127.0.0.1:{port}/")
                self.assertEqual(caught.exception.status, status)
                self.assertIn(text, str(caught.exception))

        # The SDK's stream turns the agent's refusal into its error.
        server, port, _ = await serve(lambda peer: asyncio.sleep(0), answer=refused)
        self.addAsyncCleanup(self._stop, server)
        stream = Stream(f"http://127.0.0.1:{port}", "bad-token-0123456789")
        with self.assertRaises(AlgoDeckError) as error:
            await stream.start()
        self.assertEqual((error.exception.code, error.exception.status), ("unauthorized", 401))

    async def test_wss_through_tls(self) -> None:
        if shutil.which("openssl") is None:
            self.skipTest("openssl is needed to make a test certificate")
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        await asyncio.to_thread(
            subprocess.run,
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True,
            capture_output=True,
        )
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert, key)

        async def script(peer: Peer) -> None:
            _, _, payload = await peer.frame()
            peer.send(1, payload[::-1])
            await peer.frame()

        server, port, failures = await serve(script, context=server_context)
        self.addAsyncCleanup(self._stop, server)
        asyncio.get_running_loop().slow_callback_duration = 1.0  # TLS handshakes in debug mode
        quiet = logging.getLogger("asyncio")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # the server's side of the refused handshake is expected
        self.addCleanup(quiet.setLevel, level)
        with self.assertRaises((ssl.SSLError, OSError)):
            await connect(f"wss://127.0.0.1:{port}/")  # not trusted by default
        client_context = ssl.create_default_context(cafile=cert)
        ws = await connect(f"wss://127.0.0.1:{port}/", ssl=client_context)
        await ws.send("secure")
        self.assertEqual(await ws.recv(), "eruces")
        await ws.close()
        self.assertEqual(failures, [])


if __name__ == "__main__":
    unittest.main()
