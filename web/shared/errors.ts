import type { Lang } from './i18n.js';

/** Every documented problem+json `code` as a sentence a fan or operator can act on: [English, Korean]. */
const SENTENCES: Record<string, [string, string]> = {
  VALIDATION_FAILED: [
    'Some of what was entered is not valid. Please check it.',
    '입력한 값이 올바르지 않습니다. 다시 확인해 주세요.',
  ],
  MALFORMED_JSON: [
    'The page sent a broken request. Please reload and try again.',
    '요청이 올바르지 않습니다. 새로고침 후 다시 시도해 주세요.',
  ],
  BAD_REQUEST: [
    'The request was not understood. Please reload and try again.',
    '요청을 처리할 수 없습니다. 새로고침 후 다시 시도해 주세요.',
  ],
  IDEMPOTENCY_KEY_REQUIRED: [
    'The page sent an incomplete request. Please reload and try again.',
    '요청 정보가 부족합니다. 새로고침 후 다시 시도해 주세요.',
  ],
  IDEMPOTENCY_KEY_IN_USE: [
    'This step is still being processed. Wait a moment, then look again.',
    '이 요청을 아직 처리하고 있습니다. 잠시 후 다시 확인해 주세요.',
  ],
  IDEMPOTENCY_KEY_REUSED: [
    'This request was already made with other details. Please start this step again.',
    '같은 요청이 다른 내용으로 이미 처리되었습니다. 이 단계를 다시 시작해 주세요.',
  ],
  QUEUE_TOKEN_MISSING: [
    'Your waiting-room pass is missing. Please join the line.',
    '대기열 입장권이 없습니다. 대기열에 참여해 주세요.',
  ],
  QUEUE_TOKEN_INVALID: [
    'Your waiting-room pass is not valid. Please join the line again.',
    '대기열 입장권이 유효하지 않습니다. 다시 참여해 주세요.',
  ],
  QUEUE_TOKEN_EXPIRED: [
    'Your turn has ended (time ran out, you were away too long, or you already paid). Join the line again to continue.',
    '입장 시간이 끝났습니다(시간 초과, 너무 오래 자리를 비움, 또는 결제 완료). 계속하려면 다시 대기열에 참여해 주세요.',
  ],
  QUEUE_NOT_ACTIVE: [
    'It is not your turn yet. Please wait in the line.',
    '아직 차례가 아닙니다. 대기열에서 기다려 주세요.',
  ],
  QUEUE_TOKEN_USER_MISMATCH: [
    'This waiting-room pass belongs to someone else.',
    '이 대기열 입장권은 다른 사용자의 것입니다.',
  ],
  QUEUE_STORE_UNAVAILABLE: [
    'The waiting room is briefly unavailable. Your place is kept; we will try again.',
    '대기열을 잠시 사용할 수 없습니다. 순서는 유지되며 곧 다시 시도합니다.',
  ],
  DATABASE_UNAVAILABLE: [
    'The service is briefly unavailable. Please try again in a moment.',
    '서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  ],
  STORE_UNAVAILABLE: [
    'The service is briefly unavailable. Please try again in a moment.',
    '서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  ],
  METRICS_UNAVAILABLE: ['The figures cannot be read right now.', '지금은 지표를 읽을 수 없습니다.'],
  DATABASE_BUSY: [
    'The service is very busy right now. Please try again in a moment.',
    '지금 접속이 많습니다. 잠시 후 다시 시도해 주세요.',
  ],
  REQUEST_TIMEOUT: [
    'The server took too long to answer; it may still have done it. Check your balance and seats, then try again.',
    '서버 응답이 너무 늦었습니다. 처리되었을 수 있으니 잔액과 좌석을 확인한 뒤 다시 시도해 주세요.',
  ],
  NOT_READY: [
    'The service is starting up. Please try again in a moment.',
    '서비스를 시작하는 중입니다. 잠시 후 다시 시도해 주세요.',
  ],
  OVERLOADED: [
    'The service is very busy right now. Please try again in a moment.',
    '지금 접속이 많습니다. 잠시 후 다시 시도해 주세요.',
  ],
  RATE_LIMITED: [
    'Too many tries in a short time. Please wait a moment.',
    '짧은 시간에 요청이 너무 많습니다. 잠시 기다려 주세요.',
  ],
  CHARGE_AMOUNT_INVALID: [
    'Enter a whole number of won to top up.',
    '충전 금액은 원 단위 정수로 입력해 주세요.',
  ],
  CHARGE_BELOW_MINIMUM: ['That top-up is below the minimum amount.', '충전 금액이 최소 금액보다 적습니다.'],
  CHARGE_ABOVE_MAXIMUM: [
    'That top-up is above the maximum for one charge.',
    '충전 금액이 1회 최대 금액을 넘습니다.',
  ],
  MONTHLY_CHARGE_LIMIT_EXCEEDED: [
    'This top-up would pass your monthly limit.',
    '이번 달 충전 한도를 넘게 됩니다.',
  ],
  PAYMENT_AMOUNT_MISMATCH: [
    'The amount does not match the seat price. Please reload.',
    '결제 금액이 좌석 가격과 다릅니다. 새로고침해 주세요.',
  ],
  INSUFFICIENT_BALANCE: [
    'Your balance is too low. Top up first, then pay.',
    '잔액이 부족합니다. 먼저 충전한 뒤 결제해 주세요.',
  ],
  RESERVATION_OF_ANOTHER_USER: ['This reservation belongs to someone else.', '다른 사용자의 예약입니다.'],
  USER_NOT_FOUND: ['There is no user with that id.', '해당 사용자 번호가 없습니다.'],
  USER_MISMATCH: ['You are signed in as a different user.', '다른 사용자로 로그인되어 있습니다.'],
  CONCERT_NOT_FOUND: ['This concert does not exist (any more).', '존재하지 않는 공연입니다.'],
  NO_AVAILABLE_SCHEDULES: [
    'This concert has no date with free seats.',
    '이 공연에는 남은 좌석이 있는 날짜가 없습니다.',
  ],
  SCHEDULE_NOT_FOUND: ['This date does not exist (any more).', '존재하지 않는 공연 날짜입니다.'],
  SEAT_NOT_FOUND: ['This seat does not exist.', '존재하지 않는 좌석입니다.'],
  RESERVATION_NOT_FOUND: ['This reservation was not found.', '예약을 찾을 수 없습니다.'],
  RESERVATION_EXPIRED: [
    'Your hold on this seat ran out. Pick the seat again.',
    '좌석 선점 시간이 끝났습니다. 좌석을 다시 선택해 주세요.',
  ],
  SEAT_UNAVAILABLE: [
    'Someone else took this seat just now. Please pick another.',
    '방금 다른 분이 이 좌석을 선택했습니다. 다른 좌석을 골라 주세요.',
  ],
  RESERVATION_RELEASED: [
    'This hold was given back, so it cannot be paid. Pick the seat again.',
    '반환한 선점이라 결제할 수 없습니다. 좌석을 다시 선택해 주세요.',
  ],
  RESERVATION_ALREADY_CONFIRMED: ['This seat is already paid for.', '이미 결제된 좌석입니다.'],
  RESERVATION_NOT_HELD: ['This hold has already ended.', '이미 끝난 선점입니다.'],
  RESERVATION_NOT_CONFIRMED: ['Only a paid ticket can be refunded.', '결제된 티켓만 환불할 수 있습니다.'],
  ALREADY_REFUNDED: ['This ticket was already refunded.', '이미 환불된 티켓입니다.'],
  REFUND_WINDOW_CLOSED: [
    'The show has started, so this ticket can no longer be refunded.',
    '공연이 시작되어 더 이상 환불할 수 없습니다.',
  ],
  REFUND_FAILED: [
    'The refund could not be made. Please try again.',
    '환불을 처리하지 못했습니다. 다시 시도해 주세요.',
  ],
  TICKET_LIMIT_REACHED: [
    'You already have as many tickets for this concert as one person may buy.',
    '이 공연에서 한 사람이 살 수 있는 최대 매수에 도달했습니다.',
  ],
  SALE_NOT_OPEN: [
    'Tickets for this date are not on sale yet.',
    '이 날짜의 티켓 판매가 아직 시작되지 않았습니다.',
  ],
  SALE_CLOSED: ['Ticket sales for this date have closed.', '이 날짜의 티켓 판매가 끝났습니다.'],
  QUEUE_TOKEN_WRONG_SALE: [
    'Your place in line is for another concert: join this concert’s line.',
    '다른 공연의 대기열 순번입니다. 이 공연의 대기열에 들어가 주세요.',
  ],
  LOTTERY_NOT_DRAWN: ['The opening draw has not taken place yet.', '오픈 추첨이 아직 진행되지 않았습니다.'],
  PROOF_REQUIRED: [
    'Your browser needs to finish a short check before joining. Please try again.',
    '입장 전에 브라우저의 짧은 확인이 필요합니다. 다시 시도해 주세요.',
  ],
  PROOF_INVALID: [
    'The joining check did not pass or was used already. Please try again.',
    '입장 확인이 통과되지 않았거나 이미 사용되었습니다. 다시 시도해 주세요.',
  ],
  AUTH_TOKEN_MISSING: [
    'Please sign in on the site that sent you here.',
    '연결해 준 사이트에서 로그인해 주세요.',
  ],
  AUTH_TOKEN_INVALID: [
    'Your sign-in is not valid. Please sign in again.',
    '로그인 정보가 올바르지 않습니다. 다시 로그인해 주세요.',
  ],
  AUTH_TOKEN_EXPIRED: [
    'Your sign-in has expired. Please sign in again.',
    '로그인이 만료되었습니다. 다시 로그인해 주세요.',
  ],
  AUTH_KEYS_UNAVAILABLE: [
    'Sign-in cannot be checked right now. Please try again shortly.',
    '지금은 로그인을 확인할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  ],
  IDENTITY_DISABLED: ['Sign-in is not used on this site.', '이 사이트에서는 로그인을 사용하지 않습니다.'],
  OPERATOR_UNAUTHORIZED: ['The operator key was not accepted.', '운영자 키가 맞지 않습니다.'],
  VENUE_NOT_FOUND: ['That venue does not exist.', '존재하지 않는 공연장입니다.'],
  VENUE_IN_USE: ['That venue is used by a concert.', '공연에서 사용 중인 공연장입니다.'],
  CONCERT_HAS_SCHEDULES: ['That concert still has dates.', '아직 날짜가 있는 공연입니다.'],
  CONCERT_HAS_NO_VENUE: ['That concert has no venue yet.', '공연장이 지정되지 않은 공연입니다.'],
  SECTIONS_INVALID: ['The sections are not valid.', '구역 정보가 올바르지 않습니다.'],
  SALES_WINDOW_INVALID: [
    'The sale must open before it closes, and close no later than the show.',
    '판매 시작은 종료보다 앞서야 하고, 종료는 공연 시작 이전이어야 합니다.',
  ],
  SEATS_IN_USE: [
    'Some seats are held or sold, so this cannot change now.',
    '선점되었거나 판매된 좌석이 있어 지금은 변경할 수 없습니다.',
  ],
  SEATS_HAVE_HISTORY: [
    'Past reservations refer to these seats, so they cannot be removed.',
    '지난 예약이 이 좌석을 참조하고 있어 삭제할 수 없습니다.',
  ],
  ROUTE_NOT_FOUND: [
    'This feature is not available on this server.',
    '이 서버에서는 사용할 수 없는 기능입니다.',
  ],
  BAD_CONTENT_LENGTH: [
    'The page sent a broken request. Please reload and try again.',
    '요청이 올바르지 않습니다. 새로고침 후 다시 시도해 주세요.',
  ],
  URI_TOO_LONG: [
    'The address is too long. Please start again from the home page.',
    '주소가 너무 깁니다. 첫 페이지에서 다시 시작해 주세요.',
  ],
  PAYLOAD_TOO_LARGE: ['What was sent is too large.', '보낸 내용이 너무 큽니다.'],
  UNSUPPORTED_MEDIA_TYPE: [
    'The page sent a request the server does not accept. Please reload.',
    '서버가 받을 수 없는 요청입니다. 새로고침해 주세요.',
  ],
  INTERNAL_ERROR: [
    'Something went wrong on our side. Please try again.',
    '서버에 문제가 생겼습니다. 다시 시도해 주세요.',
  ],
  NETWORK: [
    'No connection to the server. We keep trying.',
    '서버에 연결할 수 없습니다. 계속 다시 시도합니다.',
  ],
};

/** A problem's sentence in the chosen language; an unknown code falls back to its status class. */
export function problemSentence(code: string, status: number, lang: Lang): string {
  const fallback = status >= 500 ? SENTENCES.INTERNAL_ERROR : SENTENCES.BAD_REQUEST;
  const pair = SENTENCES[code] ?? fallback;
  return pair?.[lang === 'ko' ? 1 : 0] ?? code;
}

export const KNOWN_CODES = Object.keys(SENTENCES);
