"""Every text the app shows, in Kazakh, Russian and English, and error messages by error code.

`text(key, lang, **params)` formats one entry; `error_text(lang, code, params)` says what a
`ThesisQAError` means in the user's language (its English `str()` is for logs only).
"""

from __future__ import annotations

from thesis_qa import SUPPORTED_SUFFIXES, Language

LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
SUPPORTED_TYPES = " ".join(SUPPORTED_SUFFIXES)
AUTO = "auto"
LANGUAGE_CHOICES = [("Auto", AUTO), ("Қазақша", "kk"), ("Русский", "ru"), ("English", "en")]
LANGUAGE_LABEL = "Тіл · Язык · Language"
LANGUAGE_COOKIE = "thesis_qa_lang"  # chosen on the login page: what "auto" means from then on
EXAMPLES = [
    "Кулик сипаттаған тәртіптің белгілері қандай?",
    "Саяси модернизация дегеніміз не?",
    "Что такое политическая модернизация?",
    "Какие страны приводятся как пример трансформации после фашистского и нацистского режимов?",
]

TEXTS: dict[str, dict[Language, str]] = {
    "title": {"kk": "Диссертация бойынша сұрақ-жауап", "ru": "Вопросы по диссертации", "en": "Thesis QA"},
    "subtitle": {
        "kk": "Қазақша, орысша немесе ағылшынша сұраңыз: жауап тұрған үзінді, сөйлем және бөлім көрсетіледі.",
        "ru": "Спрашивайте на казахском, русском или английском: вы увидите фрагмент, предложение и раздел с ответом.",
        "en": "Ask in Kazakh, Russian or English and see where the answer is: the passage, the sentence, its section.",
    },
    "welcome": {
        "kk": "Сұрағыңызды төменде жазыңыз немесе үлгілердің бірін таңдаңыз.",
        "ru": "Напишите вопрос ниже или выберите один из примеров.",
        "en": "Type a question below or pick one of the examples.",
    },
    "question": {"kk": "Сұрақ", "ru": "Вопрос", "en": "Question"},
    "conversation_not_kept": {
        "kk": "Бұл әңгімені серверде сақтау мүмкін болмады (жауап осы бетте ғана): {why}",
        "ru": "Этот разговор не удалось сохранить на сервере (ответ есть только на этой странице): {why}",
        "en": "This conversation could not be kept on the server (the answer is on this page only): {why}",
    },
    "page_not_whole": {
        "kk": "Беттің бір бөлігін (құжаттар тізімін, жүктемелеріңізді не жинағыңызды) қазір көрсету мүмкін емес: {why}",
        "ru": "Часть страницы (список документов, ваши загрузки или подборку) сейчас не удаётся показать: {why}",
        "en": "Part of this page (the documents, your uploads or your collection) cannot be shown just now: {why}",
    },
    "conversation_not_loaded": {
        "kk": "Осы беттің бұрынғы әңгімесін ашу мүмкін болмады, сондықтан жаңасы басталды: {why}",
        "ru": "Прежний разговор этой страницы не удалось открыть, поэтому начат новый: {why}",
        "en": "This page's conversation so far could not be opened, so a new one has begun: {why}",
    },
    "question_placeholder": {
        "kk": "Сұрағыңызды жазып, Enter басыңыз…",
        "ru": "Введите вопрос и нажмите Enter…",
        "en": "Type your question and press Enter…",
    },
    "ask": {"kk": "Сұрау", "ru": "Спросить", "en": "Ask"},
    "examples": {"kk": "Сұрақ үлгілері", "ru": "Примеры вопросов", "en": "Example questions"},
    "document": {"kk": "Құжат", "ru": "Документ", "en": "Document"},
    "all_documents": {"kk": "Барлық құжаттар", "ru": "Все документы", "en": "All documents"},
    "top_k": {"kk": "Үзінділер саны", "ru": "Сколько фрагментов показать", "en": "Passages to show"},
    "upload": {"kk": "Құжат жүктеу", "ru": "Загрузить документ", "en": "Upload a document"},
    "upload_limit": {
        "kk": "{types} файлдары, {mb} МБ-қа дейін.",
        "ru": "Файлы {types}, до {mb} МБ.",
        "en": "{types} files, up to {mb} MB.",
    },
    "upload_done": {
        "kk": "«{name}» индекстелді ({passages} үзінді): сұрақтарға енді ол да жауап береді.",
        "ru": "«{name}» проиндексирован (фрагментов: {passages}): теперь он тоже отвечает на вопросы.",
        "en": "“{name}” is indexed ({passages} passages): questions now search it too.",
    },
    "upload_image_page": {
        "kk": "{pages}-бетте мәтін жоқ, тек сурет (сканерленген бе?): онда көрсетілгені ізделмейді.",
        "ru": "На странице {pages} нет текста, только изображение (скан?): её содержимое не ищется.",
        "en": "Page {pages} holds no text, only an image (a scan?): what it shows is not searchable.",
    },
    "upload_image_pages": {
        "kk": "{pages} беттерде мәтін жоқ, тек сурет (сканерленген бе?): оларда көрсетілгені ізделмейді.",
        "ru": "На страницах {pages} нет текста, только изображение (скан?): их содержимое не ищется.",
        "en": "Pages {pages} hold no text, only an image (a scan?): what they show is not searchable.",
    },
    "not_answered": {
        "kk": "Диссертацияда бұл сұраққа жауап жоқ.",
        "ru": "В диссертации нет ответа на этот вопрос.",
        "en": "The thesis does not answer this.",
    },
    "closest": {
        "kk": "Ең жақын үзінділер ({n}): өзіңіз тексеріңіз",
        "ru": "Ближайшие фрагменты ({n}): проверьте сами",
        "en": "The closest passages ({n}), to check yourself",
    },
    "confidence": {"kk": "сенімділік", "ru": "уверенность", "en": "confidence"},
    "uploads_private_browser": {
        "kk": "Жүктелген құжаттарды тек сіз көресіз; олар {hours} сағаттан кейін өшіріледі.",
        "ru": "Загруженные документы видите только вы; они удаляются через {hours} ч.",
        "en": "Only you see your uploads; they are deleted after {hours} h.",
    },
    "uploads_private_account": {
        "kk": "Жүктелген құжаттарды тек сіз көресіз; оларды өзіңіз өшіргенше сақталады.",
        "ru": "Загруженные документы видите только вы; они хранятся, пока вы их не удалите.",
        "en": "Only you see your uploads; they stay until you remove them.",
    },
    "signed_in": {
        "kk": "Кірген: {name} ({role}) · [Шығу](logout)",
        "ru": "Вход выполнен: {name} ({role}) · [Выйти](logout)",
        "en": "Signed in as {name} ({role}) · [Log out](logout)",
    },
    "login_heading": {"kk": "Кіру", "ru": "Вход", "en": "Log in"},
    "login_name": {"kk": "Пайдаланушы аты", "ru": "Имя пользователя", "en": "User name"},
    "login_password": {"kk": "Құпиясөз", "ru": "Пароль", "en": "Password"},
    "login_submit": {"kk": "Кіру", "ru": "Войти", "en": "Log in"},
    "login_checking": {"kk": "Тексерілуде…", "ru": "Проверяем…", "en": "Checking…"},
    "login_missing": {
        "kk": "Атыңыз бен құпиясөзіңізді жазыңыз.",
        "ru": "Введите имя и пароль.",
        "en": "Enter your name and your password.",
    },
    "login_retry": {
        "kk": "{s} секундтан кейін қайталаңыз.",
        "ru": "Повторите через {s} с.",
        "en": "Try again in {s} s.",
    },
    "login_offline": {
        "kk": "Серверге қосылу мүмкін болмады; сәлден соң қайталаңыз.",
        "ru": "Не удалось связаться с сервером; повторите чуть позже.",
        "en": "The server could not be reached; try again in a moment.",
    },
    "login_language": {"kk": "Тіл", "ru": "Язык", "en": "Language"},
    "job_queued": {
        "kk": "«{name}»: кезекте, {position}-орын, {eta}",
        "ru": "«{name}»: в очереди, место {position}, {eta}",
        "en": "“{name}”: queued, position {position}, {eta}",
    },
    "job_reading": {
        "kk": "«{name}»: файл оқылуда…",
        "ru": "«{name}»: читаю файл…",
        "en": "“{name}”: reading the file…",
    },
    "job_reindex_reading": {
        "kk": "«{name}»: сақталған мәтіні жаңа модельмен қайта индекстеуге дайындалуда…",
        "ru": "«{name}»: готовлю сохранённый текст к переиндексации новой моделью…",
        "en": "“{name}”: preparing its kept text for re-indexing with the new model…",
    },
    "job_running": {
        "kk": "«{name}»: индекстелуде, {percent}%, қалды: {eta}",
        "ru": "«{name}»: индексирую, {percent}%, осталось {eta}",
        "en": "“{name}”: indexing, {percent}%, {eta} left",
    },
    "job_partial_pages": {
        "kk": "«{name}»: {of} беттің {pages}-бетіне дейін іздеуге болады; "
        "қалғаны индекстелуде, {percent}%, қалды: {eta}",
        "ru": "«{name}»: поиск уже идёт по страницам до {pages}-й из {of}; "
        "остальное индексирую, {percent}%, осталось {eta}",
        "en": "“{name}”: searchable up to page {pages} of {of}; indexing the rest, {percent}%, {eta} left",
    },
    "job_partial_share": {
        "kk": "«{name}»: мәтіннің алғашқы {share}% іздеуге болады; қалғаны индекстелуде, {percent}%, қалды: {eta}",
        "ru": "«{name}»: поиск уже идёт по первым {share}% текста; остальное индексирую, {percent}%, осталось {eta}",
        "en": "“{name}”: the first {share}% of the text is searchable; indexing the rest, {percent}%, {eta} left",
    },
    "answer_partial_pages": {
        "kk": "«{name}» әзірге {of} беттің {pages}-бетіне дейін ғана индекстелді: кейінгі беттерден әлі ізделмейді.",
        "ru": "«{name}» пока проиндексирован до {pages}-й страницы из {of}: по следующим страницам поиска ещё нет.",
        "en": "“{name}” is indexed up to page {pages} of {of} so far: later pages are not searched yet.",
    },
    "answer_partial_share": {
        "kk": "«{name}» мәтінінің әзірге алғашқы {share}% ғана индекстелді: қалғанынан әлі ізделмейді.",
        "ru": "«{name}» пока проиндексирован только на первые {share}% текста: по остальному поиска ещё нет.",
        "en": "Only the first {share}% of “{name}” is indexed so far: the rest is not searched yet.",
    },
    "job_cancelled": {"kk": "«{name}»: тоқтатылды.", "ru": "«{name}»: отменено.", "en": "“{name}”: cancelled."},
    "publish_queued": {
        "kk": "«{name}» кітапханаға қосылуда…",
        "ru": "«{name}» добавляется в библиотеку…",
        "en": "Adding “{name}” to the library…",
    },
    "publish_done": {
        "kk": "«{name}» енді кітапханада: оны барлығы көреді.",
        "ru": "«{name}» теперь в библиотеке: его видят все.",
        "en": "“{name}” is now in the library, for everyone.",
    },
    "eta_minutes": {"kk": "шамамен {n} мин", "ru": "примерно {n} мин", "en": "about {n} min"},
    "eta_soon": {"kk": "1 минуттан аз", "ru": "меньше минуты", "en": "under a minute"},
    "mine": {"kk": "Менің құжаттарым", "ru": "Мои документы", "en": "My uploads"},
    "remove": {"kk": "Өшіру / тоқтату", "ru": "Удалить / отменить", "en": "Remove / cancel"},
    "publish": {"kk": "Кітапханаға қосу", "ru": "Добавить в библиотеку", "en": "Add to the library"},
    "removed": {"kk": "«{name}» өшірілді.", "ru": "«{name}» удалён.", "en": "“{name}” removed."},
    # What "My uploads" and the document list add to an upload that questions leave out (the
    # error of the same code, without "state_", says it whole).
    "state_upload_other_model": {
        "kk": "⚠ басқа модельмен индекстелген: қайта жүктеңіз",
        "ru": "⚠ проиндексирован другой моделью: загрузите заново",
        "en": "⚠ indexed with another model: upload it again",
    },
    "state_upload_reindexing": {
        "kk": "⏳ жаңа модельмен қайта индекстелуде",
        "ru": "⏳ переиндексируется новой моделью",
        "en": "⏳ being re-indexed with the new model",
    },
    "state_upload_unreadable": {
        "kk": "⚠ ашылмай тұр: кейінірек қайталаңыз немесе қайта жүктеңіз",
        "ru": "⚠ не открывается: повторите позже или загрузите заново",
        "en": "⚠ cannot be opened: try later or upload it again",
    },
    "state_upload_damaged": {
        "kk": "⚠ бүлінген: өшіріп, қайта жүктеңіз",
        "ru": "⚠ повреждён: удалите и загрузите заново",
        "en": "⚠ damaged: remove it and upload it again",
    },
    "searched_instead": {
        "kk": "Оның орнына қалған барлық құжаттан ізделді.",
        "ru": "Вместо него поиск шёл по всем остальным документам.",
        "en": "Every other document was searched instead.",
    },
    "choose_upload": {
        "kk": "Алдымен құжатты таңдаңыз.",
        "ru": "Сначала выберите документ.",
        "en": "Choose one of your uploads first.",
    },
    "lookup": {
        "kk": "Жылдам іздеу: сөз, есім, жыл",
        "ru": "Быстрый поиск: слово, имя, год",
        "en": "Quick lookup: a word, a name, a year",
    },
    "lookup_placeholder": {"kk": "Мысалы: Хантингтон", "ru": "Например: Хантингтон", "en": "e.g. Хантингтон"},
    "find": {"kk": "Табу", "ru": "Найти", "en": "Find"},
    "lookup_header": {
        "kk": "«{word}»: {n} үзіндіде кездеседі",
        "ru": "«{word}»: встречается во фрагментах: {n}",
        "en": "“{word}”: found in passages: {n}",
    },
    "lookup_shown": {
        "kk": "(алғашқы {shown} көрсетілген)",
        "ru": "(показаны первые {shown})",
        "en": "(the first {shown} shown)",
    },
    "lookup_none": {
        "kk": "«{word}» құжаттарда кездеспейді.",
        "ru": "«{word}» в документах не встречается.",
        "en": "“{word}” does not occur in the documents.",
    },
    "answer_header": {
        "kk": "Ең сәйкес {n} үзінді",
        "ru": "Наиболее подходящие фрагменты: {n}",
        "en": "Best passages: {n}",
    },
    "nothing_found": {"kk": "Ештеңе табылмады.", "ru": "Ничего не найдено.", "en": "Nothing found."},
    "toc_entry": {"kk": "Мазмұны", "ru": "Оглавление", "en": "Table of contents"},
    "page": {"kk": "{page}-бет", "ru": "с. {page}", "en": "p. {page}"},
    "page_estimated": {
        "kk": "Бет шамамен, файлдың мазмұны бойынша есептелген: файлда беттерге бөлу сақталмаған",
        "ru": "Страница примерная, рассчитана по оглавлению: в файле не сохранена разбивка на страницы",
        "en": "An estimated page, worked out from the contents list: the file keeps no page layout",
    },
    "context": {"kk": "Алдындағы және кейінгі мәтін", "ru": "Текст до и после", "en": "Text before and after"},
    "before": {"kk": "Алдында", "ru": "До", "en": "Before"},
    "after": {"kk": "Кейін", "ru": "После", "en": "After"},
    "tab_lookup": {"kk": "Іздеу", "ru": "Поиск", "en": "Lookup"},
    "tab_collection": {"kk": "Жинақ ({n})", "ru": "Подборка ({n})", "en": "Collection ({n})"},
    "tab_documents": {"kk": "Құжаттар", "ru": "Документы", "en": "Documents"},
    "nav": {"kk": "Бет бөлімдері", "ru": "Разделы страницы", "en": "Parts of the page"},
    "nav_ask": {"kk": "Сұрақ", "ru": "Вопрос", "en": "Ask"},
    "pin": {"kk": "Жинаққа", "ru": "В подборку", "en": "Pin"},
    "pinned": {
        "kk": "Жинаққа қосылды: {place}. Жинақта {n} үзінді.",
        "ru": "Добавлено в подборку: {place}. Фрагментов в подборке: {n}.",
        "en": "Pinned: {place}. Passages in the collection: {n}.",
    },
    "already_pinned": {
        "kk": "Бұл үзінді жинақта бар.",
        "ru": "Этот фрагмент уже в подборке.",
        "en": "This passage is already in the collection.",
    },
    "pin_gone": {
        "kk": "Бұл үзінді енді қолжетімсіз; сұрақты қайта қойыңыз.",
        "ru": "Этот фрагмент больше недоступен; задайте вопрос ещё раз.",
        "en": "That passage is no longer available; ask again.",
    },
    "collection_full": {
        "kk": "Жинақ толы ({n} үзінді): алдымен біреуін алып тастаңыз.",
        "ru": "Подборка заполнена ({n} фрагментов): сначала уберите один.",
        "en": "The collection is full (it holds at most {n}): remove one first.",
    },
    "collection_empty": {
        "kk": "Жинақ бос. Жауаптар мен іздеу нәтижелеріндегі «+ Жинаққа» батырмасымен үзінді қосыңыз.",
        "ru": "Подборка пуста. Добавляйте фрагменты кнопкой «+ В подборку» в ответах и результатах поиска.",
        "en": "The collection is empty. Add passages with the “+ Pin” button of an answer or a lookup.",
    },
    "collection_help": {
        "kk": "Оқытушыларға: таңдалған үзінділер сілтемелерімен; ретін өзгертуге, Word не Markdown етіп алуға болады.",
        "ru": "Для преподавателей: выбранные фрагменты со ссылками; их можно переставить, скачать в Word или Markdown.",
        "en": "For lecturers: the passages you pinned, with references; reorder them and download as Word or Markdown.",
    },
    "move_up": {"kk": "Жоғары", "ru": "Выше", "en": "Move up"},
    "move_down": {"kk": "Төмен", "ru": "Ниже", "en": "Move down"},
    "remove_pin": {"kk": "Алып тастау", "ru": "Убрать", "en": "Remove"},
    "pin_removed": {"kk": "Жинақтан алынды.", "ru": "Убрано из подборки.", "en": "Removed from the collection."},
    "download_md": {"kk": "Markdown жүктеп алу", "ru": "Скачать Markdown", "en": "Download Markdown"},
    "download_docx": {"kk": "Word (.docx) жүктеп алу", "ru": "Скачать Word (.docx)", "en": "Download Word (.docx)"},
    "clear": {"kk": "Жинақты тазалау", "ru": "Очистить подборку", "en": "Clear the collection"},
    "md_title": {"kk": "Диссертациядан үзінділер", "ru": "Фрагменты диссертации", "en": "Passages from the thesis"},
    "md_question": {"kk": "Сұрақ", "ru": "Вопрос", "en": "Question"},
    "md_document": {"kk": "Құжат", "ru": "Документ", "en": "Document"},
    "md_section": {"kk": "Бөлім", "ru": "Раздел", "en": "Section"},
    "md_paragraph": {"kk": "Абзац", "ru": "Абзац", "en": "Paragraph"},
    "md_page": {"kk": "Бет", "ru": "Страница", "en": "Page"},
    "lookup_pin": {"kk": "Іздеу: «{word}»", "ru": "Поиск: «{word}»", "en": "Lookup: “{word}”"},
    # The index of names, works and terms (thesis_qa_app.study_tab).
    "tab_study": {"kk": "Көрсеткіш", "ru": "Указатель", "en": "Index"},
    "study_filter": {
        "kk": "Сүзгі: есім, еңбек, термин",
        "ru": "Фильтр: имя, работа, термин",
        "en": "Filter: name, work, term",
    },
    "study_people": {"kk": "Есімдер", "ru": "Имена", "en": "Names"},
    "study_works": {"kk": "Еңбектер", "ru": "Работы", "en": "Works"},
    "study_terms": {"kk": "Терминдер", "ru": "Термины", "en": "Terms"},
    "study_none": {"kk": "Ештеңе табылмады.", "ru": "Ничего не найдено.", "en": "Nothing found."},
    "study_empty": {
        "kk": "Құжаттарда аталған есімдер мен анықтамалар жоқ.",
        "ru": "В документах нет упомянутых имён и определений.",
        "en": "The documents name no people and define no terms.",
    },
    "study_entry_pin": {"kk": "Көрсеткіш: {name}", "ru": "Указатель: {name}", "en": "Index: {name}"},
    "study_definition": {"kk": "Анықтама: {term}", "ru": "Определение: {term}", "en": "Definition: {term}"},
    "study_index_heading": {"kk": "Есімдер көрсеткіші", "ru": "Указатель имён", "en": "Index of names"},
    "auto": {"kk": "Автоматты", "ru": "Автоматически", "en": "Automatic"},
    "new_chat": {"kk": "Жаңа әңгіме", "ru": "Новый разговор", "en": "New conversation"},
    "your_question": {"kk": "Сіздің сұрағыңыз", "ru": "Ваш вопрос", "en": "Your question"},
    "reply": {"kk": "Жауап", "ru": "Ответ", "en": "Answer"},
    "chat_log": {"kk": "Әңгіме", "ru": "Разговор", "en": "Conversation"},
    "more_tabs": {"kk": "Басқа қойындылар", "ru": "Другие вкладки", "en": "More tabs"},
    "scroll_down": {"kk": "Төменге", "ru": "Вниз", "en": "Scroll down"},
    "close": {"kk": "Жабу", "ru": "Закрыть", "en": "Close"},
    "connection_lost_title": {"kk": "Байланыс үзілді", "ru": "Связь потеряна", "en": "Connection lost"},
    "toast_error": {"kk": "Қате", "ru": "Ошибка", "en": "Error"},
    "toast_warning": {"kk": "Ескерту", "ru": "Предупреждение", "en": "Warning"},
    "toast_info": {"kk": "Хабар", "ru": "Сообщение", "en": "Info"},
    "toast_success": {"kk": "Орындалды", "ru": "Готово", "en": "Done"},
    "connection_lost": {
        "kk": "Сервермен байланыс үзілді. Қайта қосылуда…",
        "ru": "Соединение с сервером потеряно. Переподключение…",
        "en": "The connection to the server was lost. Reconnecting…",
    },
    "filter_on": {"kk": "Тек мына құжаттан: «{doc}»", "ru": "Только в документе «{doc}»", "en": "Only in “{doc}”"},
    "filter_remove": {"kk": "Сүзгіні алып тастау", "ru": "Снять фильтр", "en": "Remove the filter"},
    "filter_gone": {
        "kk": "«{doc}» енді жоқ (жүктеу мерзімі өтті немесе ол өшірілді): енді барлық құжаттан ізделеді.",
        "ru": "Документа «{doc}» больше нет (срок загрузки истёк или она удалена): теперь поиск по всем документам.",
        "en": "“{doc}” is gone (its upload expired or was removed): every document is searched now.",
    },
    "search_everywhere": {
        "kk": "Барлық құжаттардан іздеу",
        "ru": "Искать во всех документах",
        "en": "Search all documents",
    },
    "not_answered_in": {
        "kk": "«{doc}» құжатында бұл сұраққа жауап жоқ (тек сол құжат ізделді).",
        "ru": "В документе «{doc}» нет ответа на этот вопрос (искали только в нём).",
        "en": "“{doc}” does not answer this (only that document was searched).",
    },
    "lookup_none_in": {
        "kk": "«{word}» «{doc}» құжатында кездеспейді (тек сол құжат ізделді).",
        "ru": "«{word}» не встречается в документе «{doc}» (искали только в нём).",
        "en": "“{word}” does not occur in “{doc}” (only that document was searched).",
    },
    "clear_confirm": {
        "kk": "Жинақтағы {n} үзіндінің бәрін алып тастау керек пе?",
        "ru": "Убрать из подборки все фрагменты ({n})?",
        "en": "Remove every passage from the collection ({n})?",
    },
    "clear_yes": {"kk": "Иә, тазалау", "ru": "Да, очистить", "en": "Yes, clear it"},
    "cancel": {"kk": "Болдырмау", "ru": "Отмена", "en": "Cancel"},
    "cleared": {
        "kk": "Жинақ тазаланды ({n} үзінді).",
        "ru": "Подборка очищена (фрагментов: {n}).",
        "en": "The collection was cleared (passages: {n}).",
    },
    "undo": {"kk": "Қайтару", "ru": "Вернуть", "en": "Undo"},
    "restored": {
        "kk": "Жинақ қайтарылды: {n} үзінді.",
        "ru": "Подборка возвращена: фрагментов {n}.",
        "en": "The collection is back (passages: {n}).",
    },
    "asked_part": {
        "kk": "Мәтін ұзын ({n} таңба, сұраққа {limit} таңбаға дейін): ондағы соңғы сұрақ қойылды.",
        "ru": "Текст длинный (символов: {n}, для вопроса — до {limit}): задан последний вопрос из него.",
        "en": "The text is long (length {n}; a question may hold {limit} characters): its last question was asked.",
    },
    "asked_cut": {
        "kk": "Сұрақ {limit} таңбаға дейін қысқартылды ({n} таңба еді): «…{end}» деген жерде үзілді.",
        "ru": "Вопрос сокращён до {limit} символов (было {n}): он обрывается на «…{end}».",
        "en": "The question was shortened to {limit} characters (it had {n}): it stops at “…{end}”.",
    },
    "pasted_cut": {
        "kk": "Тек алғашқы {limit} таңба оқылды.",
        "ru": "Прочитаны только первые {limit} символов.",
        "en": "Only the first {limit} characters were read.",
    },
}

# Gradio's own words on the page (its i18n keys), for the locale the page follows: Gradio has
# no Kazakh, and its English and Russian lack some keys (a screen reader heard "common.complete").
GRADIO_TEXTS: dict[str, dict[Language, str]] = {
    "common.complete": {"kk": "Дайын", "ru": "Готово", "en": "Done"},
    "common.loading": {"kk": "Жүктелуде", "ru": "Загрузка", "en": "Loading"},
    "common.error": {"kk": "Қате", "ru": "Ошибка", "en": "Error"},
    "common.clear": {"kk": "Тазалау", "ru": "Очистить", "en": "Clear"},
    "common.remove": {"kk": "Алып тастау", "ru": "Удалить", "en": "Remove"},
    "chatbot.clear": {"kk": "Әңгімені тазалау", "ru": "Очистить чат", "en": "Clear the chat"},
    "upload_text.uploading": {"kk": "Жүктелуде…", "ru": "Загрузка…", "en": "Uploading…"},
}

ERRORS: dict[str, dict[Language, str]] = {
    "question_empty": {
        "kk": "Сұрақ бос сияқты. Оны сөзбен жазып көріңіз, мысалы: «Саяси модернизация дегеніміз не?»",
        "ru": "Похоже, вопрос пустой. Напишите его словами, например: «Что такое политическая модернизация?»",
        "en": "The question seems empty. Try asking in words, e.g. “What is political modernization?”",
    },
    "load_unsupported": {
        "kk": "«{name}»: бұл файл түрі қолдау таппайды. Мына түрлер қабылданады: {types}.",
        "ru": "«{name}»: этот тип файла не поддерживается. Подходят: {types}.",
        "en": "“{name}”: this file type is not supported. Use {types}.",
    },
    "load_too_big": {
        "kk": "«{name}» тым үлкен: шегі {limit_mb} МБ.",
        "ru": "Файл «{name}» слишком большой: предел {limit_mb} МБ.",
        "en": "“{name}” is too big: the limit is {limit_mb} MB.",
    },
    "load_encoding": {
        "kk": "«{name}» мәтінінің кодтауы танылмады (UTF-8, UTF-16, Windows-1251 немесе KZ-1048 керек).",
        "ru": "Не удалось определить кодировку «{name}» (нужна UTF-8, UTF-16, Windows-1251 или KZ-1048).",
        "en": "“{name}”: unknown text encoding (use UTF-8, UTF-16, Windows-1251 or KZ-1048).",
    },
    "load_broken": {
        "kk": "«{name}» файлы зақымдалған немесе оқылмайды.",
        "ru": "Файл «{name}» повреждён или не читается.",
        "en": "“{name}” is damaged or cannot be read.",
    },
    "load_encrypted": {
        "kk": "«{name}» PDF файлы құпиясөзбен қорғалған.",
        "ru": "PDF «{name}» защищён паролем.",
        "en": "“{name}” is a password-protected PDF.",
    },
    "load_no_text_layer": {
        "kk": "«{name}» ішінде мәтін қабаты жоқ (сканер болуы мүмкін; OCR қолдау таппайды).",
        "ru": "В «{name}» нет текстового слоя (возможно, это скан; OCR не поддерживается).",
        "en": "“{name}” has no text layer (a scan? OCR is not supported).",
    },
    "load_unreadable_text_layer": {
        "kk": "«{name}» PDF файлының мәтін қабаты бүлінген: әріптері дұрыс кодталмаған. PDF-ті бастапқы "
        "файлдан қаріптерін ендіріп қайта экспорттаңыз немесе .docx файлын жүктеңіз.",
        "ru": "Текстовый слой PDF «{name}» испорчен: буквы в нём записаны в неверной кодировке. "
        "Экспортируйте PDF заново из исходного файла со встроенными шрифтами или загрузите .docx.",
        "en": "The text layer of the PDF “{name}” is garbled: its letters are stored in a wrong encoding. "
        "Export the PDF again from the original file with fonts embedded, or upload the .docx.",
    },
    "load_empty": {
        "kk": "«{name}» ішінде мәтін табылмады.",
        "ru": "В «{name}» не найден текст.",
        "en": "No text found in “{name}”.",
    },
    "load_binary": {
        "kk": "«{name}» мәтіндік файл емес.",
        "ru": "«{name}» не является текстовым файлом.",
        "en": "“{name}” is not a text file.",
    },
    "load_missing": {
        "kk": "«{name}» файлы ашылмады. Қайта жүктеп көріңіз.",
        "ru": "Не удалось открыть «{name}». Попробуйте загрузить ещё раз.",
        "en": "“{name}” could not be opened. Try uploading it again.",
    },
    "load_too_much_text": {
        "kk": "«{name}» ішінде бір жүктеуге тым көп мәтін бар (шегі {limit} таңба).",
        "ru": "В «{name}» слишком много текста для одной загрузки (предел {limit} символов).",
        "en": "“{name}” holds too much text for one upload (the limit is {limit} characters).",
    },
    "load_too_many_passages": {
        "kk": "«{name}» тым көп үзіндіге бөлінеді (шегі {limit}).",
        "ru": "«{name}» делится на слишком много фрагментов (предел {limit}).",
        "en": "“{name}” makes too many passages for one upload (the limit is {limit}).",
    },
    "load_too_many_pages": {
        "kk": "«{name}» беттері тым көп (шегі {limit}).",
        "ru": "В «{name}» слишком много страниц (предел {limit}).",
        "en": "“{name}” has too many pages (the limit is {limit}).",
    },
    "load_too_many_entries": {
        "kk": "«{name}» ішінде файлдар тым көп ({limit}-ден астам): Word құжатына ұқсамайды.",
        "ru": "В «{name}» слишком много вложенных файлов (больше {limit}): это не похоже на документ Word.",
        "en": "“{name}” holds too many files (over {limit}) to be a Word document.",
    },
    "load_unpacks_too_big": {
        "kk": "«{name}» ашылғанда тым үлкен болып шығады (шегі {limit_mb} МБ); сығылған бомба болуы мүмкін.",
        "ru": "«{name}» при распаковке слишком велик (предел {limit_mb} МБ); возможно, это «zip-бомба».",
        "en": "“{name}” unpacks to more than {limit_mb} MB (a compression bomb?).",
    },
    "load_unsafe_xml": {
        "kk": "«{name}» ішінде Word жазбайтын қауіпті XML бар; файл қабылданбады.",
        "ru": "«{name}» содержит небезопасный XML, какого Word не пишет; файл отклонён.",
        "en": "“{name}” contains unsafe XML that Word never writes; it was refused.",
    },
    "quota_files": {
        "kk": "Ең көбі {limit} құжат сақтауға болады: алдымен біреуін өшіріңіз.",
        "ru": "Можно хранить не больше {limit} документов: сначала удалите один.",
        "en": "You can keep at most {limit} uploads: remove one first.",
    },
    "quota_mb": {
        "kk": "Құжаттарыңыздың жалпы көлемі {limit} МБ-тан аспауы керек: алдымен біреуін өшіріңіз.",
        "ru": "Ваши документы могут занимать не больше {limit} МБ: сначала удалите один.",
        "en": "Your uploads can take at most {limit} MB: remove one first.",
    },
    "quota_passages": {
        "kk": "«{name}» {passages} үзіндіге бөлінеді; құжаттарыңызда барлығы {limit} үзіндіден аспауы керек.",
        "ru": "«{name}» делится на {passages} фрагментов; во всех ваших документах их может быть не больше {limit}.",
        "en": "“{name}” makes {passages} passages; all your uploads together may hold {limit}.",
    },
    "upload_memory": {
        "kk": "«{name}» бұл сервердің жадына тым үлкен болып шықты; индекстелмеді. "
        "Құжатты бөліктерге бөліп, жеке жүктеңіз.",
        "ru": "Документ «{name}» оказался слишком велик для памяти этого сервера; не проиндексирован. "
        "Разделите его на части и загрузите по отдельности.",
        "en": "“{name}” was too large for this server's memory; it was not indexed. "
        "Split it into parts and upload them separately.",
    },
    "upload_too_large": {
        "kk": "«{name}» бұл сервердің жадына тым үлкен: индекстеуге шамамен {needed_mb} МБ керек, "
        "ал {limit_mb} МБ ғана бар. Құжатты бөліктерге бөліп, әрқайсысын жеке жүктеңіз.",
        "ru": "«{name}» слишком велик для памяти этого сервера: для индексирования нужно около "
        "{needed_mb} МБ, а доступно {limit_mb} МБ. Разделите документ на части и загрузите их по отдельности.",
        "en": "“{name}” is too large for this server's memory: indexing needs about {needed_mb} MB and "
        "{limit_mb} MB are available. Split it into parts and upload them separately.",
    },
    "upload_failed": {
        "kk": "«{name}» оқылмады: файл бүлінген немесе атауындағы түрге сай емес; индекстелмеді.",
        "ru": "«{name}» не удалось прочитать: файл повреждён или не соответствует своему типу; не проиндексирован.",
        "en": "“{name}” could not be read: the file is damaged or not what its name says; it was not indexed.",
    },
    "upload_crashed": {
        "kk": "«{name}» индекстеу күтпеген жерден тоқтады; қайталап көріңіз.",
        "ru": "Индексирование «{name}» неожиданно прервалось; попробуйте ещё раз.",
        "en": "Indexing “{name}” stopped unexpectedly; try again.",
    },
    "upload_worker": {
        "kk": "Индекстеу процесі іске қосылмады; кейінірек қайталап көріңіз.",
        "ru": "Процесс индексирования не запустился; попробуйте позже.",
        "en": "The indexing process could not start; try again later.",
    },
    "upload_unknown": {
        "kk": "Бұл құжат енді жоқ.",
        "ru": "Этого документа больше нет.",
        "en": "That upload no longer exists.",
    },
    "upload_gone": {
        "kk": "Файл қабылданбады; қайта жүктеңіз.",
        "ru": "Файл не получен; загрузите его ещё раз.",
        "en": "The file did not arrive; upload it again.",
    },
    "not_allowed": {
        "kk": "Кітапханаға тек оқытушылар мен әкімшілер құжат қоса алады.",
        "ru": "Добавлять документы в библиотеку могут только преподаватели и администраторы.",
        "en": "Only lecturers and admins can add documents to the library.",
    },
    "lookup_common": {
        "kk": "«{query}» тек жалпы сөздерден тұрады: есім, термин немесе жыл іздеп көріңіз.",
        "ru": "«{query}» состоит только из служебных слов: ищите имя, термин или год.",
        "en": "“{query}” holds only common words: look up a name, a term or a year.",
    },
    "doc_unknown": {
        "kk": "«{name}» деген құжат жоқ (тізімі: /documents).",
        "ru": "Документа «{name}» нет (список: /documents).",
        "en": "There is no document called “{name}” (see /documents).",
    },
    "lookup_empty": {
        "kk": "Іздеу өрісі бос: сөз, есім немесе жыл жазыңыз.",
        "ru": "Поле поиска пустое: введите слово, имя или год.",
        "en": "The lookup field is empty: type a word, a name or a year.",
    },
    "bad_question": {
        "kk": "Сұрақ мәтін болуы керек.",
        "ru": "Вопрос должен быть текстом.",
        "en": "The question must be text.",
    },
    "bad_k": {
        "kk": "k — 1-ден {max}-ге дейінгі бүтін сан болуы керек.",
        "ru": "k должно быть целым числом от 1 до {max}.",
        "en": "k must be a whole number from 1 to {max}.",
    },
    "bad_doc": {
        "kk": "doc — құжат атауы (мәтін) болуы керек.",
        "ru": "doc должно быть названием документа (текстом).",
        "en": "doc must be a document name (text).",
    },
    "bad_language": {
        "kk": "language мәні: auto, kk, ru немесе en.",
        "ru": "language должно быть одним из: auto, kk, ru, en.",
        "en": "language must be one of auto, kk, ru, en.",
    },
    "bad_history": {
        "kk": "history — алдыңғы сұрақтар тізімі (мәтін) болуы керек.",
        "ru": "history должно быть списком предыдущих вопросов (текстом).",
        "en": "history must be a list of earlier questions (text).",
    },
    "server_error": {
        "kk": "Сервер қазір жауап бере алмады (ақау журналға жазылды); сәлден соң қайталаңыз.",
        "ru": "Сервер сейчас не смог ответить (сбой записан в журнал); повторите чуть позже.",
        "en": "The server could not answer just now (the fault is logged); try again in a moment.",
    },
    "remote_url": {
        "kk": "Сервер сыртқы адрестерден ештеңе алмайды.",
        "ru": "Сервер не загружает ничего с внешних адресов.",
        "en": "The server fetches nothing from outside addresses.",
    },
    "login_required": {
        "kk": "Алдымен кіріңіз (сессия аяқталды).",
        "ru": "Сначала войдите (сеанс завершён).",
        "en": "Log in first (the session has ended).",
    },
    "login_wrong": {
        "kk": "Атауы немесе құпиясөзі қате.",
        "ru": "Неверное имя или пароль.",
        "en": "Wrong name or password.",
    },
    "login_locked": {
        "kk": "Сәтсіз әрекеттер тым көп; кейінірек қайталаңыз.",
        "ru": "Слишком много неудачных попыток; повторите позже.",
        "en": "Too many failed attempts; try again later.",
    },
    "accounts_damaged": {
        "kk": "Тіркелгілер файлы бүлінген; әкімшіге хабарлаңыз.",
        "ru": "Файл учётных записей повреждён; сообщите администратору.",
        "en": "The accounts file is damaged; tell the administrator.",
    },
    "request_too_large": {
        "kk": "Сұраныс тым үлкен.",
        "ru": "Слишком большой запрос.",
        "en": "The request is too large.",
    },
    "store_damaged": {
        "kk": "Индекс зақымдалған және қайта құрылады. Сәлден соң қайталап көріңіз.",
        "ru": "Индекс повреждён и будет перестроен. Повторите чуть позже.",
        "en": "The index is damaged and will be rebuilt. Try again in a moment.",
    },
    "store_building": {
        "kk": "Индекс құрылып жатыр. Бірнеше минуттан соң қайталап көріңіз.",
        "ru": "Индекс создаётся. Повторите через несколько минут.",
        "en": "The index is being built. Try again in a few minutes.",
    },
    "upload_damaged": {
        "kk": "«{name}» индексі серверде бүлінген; оны өшіріп, қайта жүктеңіз.",
        "ru": "Индекс «{name}» на сервере повреждён; удалите документ и загрузите его заново.",
        "en": "The index of “{name}” is damaged on the server; remove it and upload it again.",
    },
    "upload_other_model": {
        "kk": "«{name}» сервер қазір қолданатын модельмен емес, басқа модельмен индекстелген, сондықтан сұрақтар "
        "онда ізделмейді; оны қайта жүктеңіз (жаңа көшірмесі ескісін алмастырады).",
        "ru": "«{name}» проиндексирован другой моделью, а не той, что сейчас на сервере, поэтому вопросы его не "
        "ищут; загрузите его ещё раз (новая копия заменит старую).",
        "en": "“{name}” was indexed with another model than the server's, so questions cannot search it; upload "
        "it again (the new copy replaces it).",
    },
    "upload_reindexing": {
        "kk": "«{name}» басқа модельмен индекстелген; сервер оны қазір сақталған мәтінінен жаңа модельмен қайта "
        "индекстеп жатыр, біткен соң сұрақтар онда да ізделеді (қайта жүктеудің қажеті жоқ).",
        "ru": "«{name}» был проиндексирован другой моделью; сервер сейчас переиндексирует его новой моделью по "
        "сохранённому тексту, и когда закончит, вопросы снова будут его искать (загружать заново не нужно).",
        "en": "“{name}” was indexed with another model; the server is re-indexing it with the new one from its "
        "stored text, and questions will search it again once that is done (no need to upload it again).",
    },
    "upload_text_lost": {
        "kk": "«{name}» қайта индекстелмеді: оның индексінде мәтіні сақталмаған; оны қайта жүктеңіз.",
        "ru": "«{name}» не удалось переиндексировать: в его индексе не сохранился текст; загрузите его ещё раз.",
        "en": "“{name}” could not be re-indexed: its index no longer keeps its text; upload it again.",
    },
    "upload_unreadable": {
        "kk": "«{name}» қазір серверде ашылмай тұр, сондықтан сұрақтар онда ізделмейді; кейінірек қайталаңыз "
        "немесе оны қайта жүктеңіз (жаңа көшірмесі ескісін алмастырады).",
        "ru": "«{name}» сейчас не открывается на сервере, поэтому вопросы его не ищут; повторите позже или "
        "загрузите его ещё раз (новая копия заменит старую).",
        "en": "“{name}” cannot be opened on the server just now, so questions cannot search it; try again later, "
        "or upload it again (the new copy replaces it).",
    },
    "store_full": {
        "kk": "Сервердің дискісінде орын қалмады; ештеңе жазылмады. Кейінірек қайталап көріңіз.",
        "ru": "На диске сервера не осталось места; ничего не записано. Повторите позже.",
        "en": "The server's disk is full; nothing was written. Try again later.",
    },
    "store_missing": {
        "kk": "Индекс табылмады.",
        "ru": "Индекс не найден.",
        "en": "The index was not found.",
    },
    "store_readonly": {
        "kk": "Индекс қалтасына жазу мүмкін емес, құжат қосылмады.",
        "ru": "Папка индекса недоступна для записи, документ не добавлен.",
        "en": "The index folder is read-only; the document was not added.",
    },
    "records_readonly": {
        "kk": "Сервердің жазбалар қалтасына жазу мүмкін емес; ештеңе сақталмады. Әкімшіге хабарлаңыз.",
        "ru": "Папка записей сервера недоступна для записи; ничего не сохранено. Сообщите администратору.",
        "en": "The server's records folder is read-only; nothing was saved. Tell the administrator.",
    },
    "records_unreadable": {
        "kk": "Сервердегі жазбаны (жинағыңызды, әңгімені не жүктеме туралы мәліметті) қазір оқу мүмкін емес; ол "
        "сол күйінде қалдырылды. Әкімшіге хабарлаңыз.",
        "ru": "Запись на сервере (вашу подборку, разговор или сведения о загрузке) сейчас не удаётся прочитать; "
        "она оставлена как есть. Сообщите администратору.",
        "en": "A record on the server (your collection, a conversation or an upload's details) cannot be read just "
        "now; it was left as it is. Tell the administrator.",
    },
    "store_io": {
        "kk": "Сервер өз файлдарын өзгерте алмады (қалтаға жазу мүмкін емес немесе диск ақаулы), сондықтан әрекет "
        "орындалмады не толық орындалмады. Кейінірек қайталаңыз немесе әкімшіге хабарлаңыз.",
        "ru": "Сервер не смог изменить свои файлы (папка недоступна для записи или сбой диска), поэтому действие не "
        "выполнено или выполнено не полностью. Повторите позже или сообщите администратору.",
        "en": "The server could not change its files (a read-only folder or a disk fault), so this was not done, or "
        "not wholly. Try again later, or tell the administrator.",
    },
    "store_unreachable": {
        "kk": "Дерекқорға қосылу мүмкін болмады; сәлден соң қайталап көріңіз.",
        "ru": "Не удаётся подключиться к базе данных; попробуйте ещё раз чуть позже.",
        "en": "The database cannot be reached; please try again in a moment.",
    },
    "model_load": {
        "kk": "Модель жүктелмеді.",
        "ru": "Не удалось загрузить модель.",
        "en": "The model could not be loaded.",
    },
    "error": {
        "kk": "Әрекет орындалмады ({detail}).",
        "ru": "Не удалось выполнить действие ({detail}).",
        "en": "That did not work ({detail}).",
    },
    "upload_disk": {
        "kk": "Серверде «{name}» сақтауға орын жоқ; кейінірек қайта жүктеңіз.",
        "ru": "На сервере нет места, чтобы сохранить «{name}»; загрузите его позже ещё раз.",
        "en": "The server has no room to keep “{name}” just now; upload it again later.",
    },
}


class _Params(dict[str, object]):
    """Format parameters where a missing one reads as empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


def text(key: str, lang: Language, **params: object) -> str:
    return TEXTS[key][lang].format_map(_Params(params))


def error_text(lang: Language, code: str, params: dict[str, object], detail: str = "") -> str:
    """The message for an error `code` (e.g. "load_too_big") in `lang`; large numbers grouped
    the way the language writes them (5 000 000, 5,000,000)."""
    entry = ERRORS.get(code) or ERRORS["error"]
    shown = {key: _grouped(value, lang) for key, value in params.items()}
    return entry[lang].format_map(_Params({"types": SUPPORTED_TYPES, "detail": detail, **shown}))


def _grouped(value: object, lang: Language) -> object:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) < 10_000:
        return value
    return f"{value:,}".replace(",", "," if lang == "en" else "\u00a0")


def as_language(value: str | None, default: Language = "kk") -> Language:
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return default


def preferred_language(chosen: str, accept_language: str) -> Language:
    """The language chosen on the login page (its cookie, `LANGUAGE_COOKIE`), else the
    browser's."""
    return as_language(chosen) if chosen in LANGUAGES else browser_language(accept_language)


def browser_language(accept_language: str) -> Language:
    """The first of kk/ru/en in an Accept-Language header ("ru-RU,ru;q=0.9,en;q=0.8" -> "ru");
    Kazakh when none is listed."""
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return as_language(code)
    return "kk"
