"""Every bound the product keeps, defined once: the CLI, the page, the HTTP API and the
library read them from here (the CLI's and the server's *settings* live in `config`)."""

MAX_K = 50  # passages one answer may return (CLI --top-k, the API's k, the page's slider)
DEFAULT_K = 3  # passages an answer shows unless asked for more
MAX_QUESTION_CHARS = 1000  # a question is cut to this after cleaning
MAX_SCAN_CHARS = 4 * MAX_QUESTION_CHARS  # what cleaning may look at: whitespace and controls shrink it
MAX_PASTED_CHARS = 4 * MAX_QUESTION_CHARS  # a pasted text the page finds the question in (its last one)
MAX_HISTORY = 3  # earlier questions a follow-up may lean on
CONCURRENT_QUESTIONS = 16  # questions answered at once by one server (Gradio's and the search's pools)
WAITING_ANSWERS = 1000  # raw `/ask` answers held for their SSE read at once (more go through Gradio's queue)
UNCLAIMED_ANSWER_S = 60.0  # a raw `/ask` answer not read by then is dropped
PAGE_MAX_K = 10  # passages the page's slider offers (a phone shows no more usefully)
CONCURRENT_LIGHT_EVENTS = 4  # uploads and pin edits handled at once by one server
KEPT_CONVERSATIONS = 10  # pages (browser tabs) of one owner whose chats are kept; the least recent goes
