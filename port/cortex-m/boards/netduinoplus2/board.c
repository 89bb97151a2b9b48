/*
 * Netduino Plus 2 (STM32F405RG, Cortex-M4F) as QEMU's netduinoplus2 models
 * it: the core clock, and the console on USART1 (TX on PA9), which QEMU
 * connects to its first -serial. Linked with port/cortex-m/startup.c
 * (built with SQ_BOARD_IRQS = 82, the F405's interrupt lines), whose weak
 * sq_board_init and _write these replace; exit stays semihosting's
 * SYS_EXIT, which ends the QEMU run (docs/PORTING.md).
 *
 * The clock: QEMU runs the core at 168 MHz from reset and models no RCC
 * (its registers read as zero), so nothing here starts the PLL. A real
 * board comes out of reset on the 16 MHz HSI: it starts the HSE and the
 * PLL, sets the flash wait states and the bus prescalers first
 * (docs/PORTING.md lists the steps), then tells the port the same way.
 */
#include <stdint.h>
#include <squall/port_board.h>

int _write(int fd, const char *buf, int len);

/* The clock tree the port and the USART see: SYSCLK = HCLK = 168 MHz,
 * APB2 (USART1's bus) at HCLK / 2, its maximum of 84 MHz. */
#define BOARD_HCLK_HZ 168000000u
#define BOARD_APB2_HZ (BOARD_HCLK_HZ / 2u)
#define BOARD_BAUD 115200u

#define REG32(addr) (*(volatile uint32_t *)(addr))
/* RCC clock enables (AHB1: GPIOA; APB2: USART1). QEMU ignores them. */
#define RCC_AHB1ENR REG32(0x40023830u)
#define RCC_APB2ENR REG32(0x40023844u)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB2ENR_USART1EN (1u << 4)
/* PA9 (USART1_TX) and PA10 (USART1_RX): alternate function 7. */
#define GPIOA_MODER REG32(0x40020000u)
#define GPIOA_AFRH REG32(0x40020024u)
#define USART1_SR REG32(0x40011000u)
#define USART1_DR REG32(0x40011004u)
#define USART1_BRR REG32(0x40011008u)
#define USART1_CR1 REG32(0x4001100cu)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART_CR1_TE (1u << 3)

void sq_board_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR; /* the enable takes two bus cycles to reach the USART */
    GPIOA_MODER = (GPIOA_MODER & ~(0xfu << 18)) | (0xau << 18);
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xffu << 4)) | (0x77u << 4);
    /* 16x oversampling: BRR is the bus clock over the baud rate, rounded. */
    USART1_BRR = (BOARD_APB2_HZ + BOARD_BAUD / 2u) / BOARD_BAUD;
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE;
    /* After the console, which reports a failure. */
    if (sq_port_set_cpu_hz(BOARD_HCLK_HZ) != SQ_OK) {
        /* SQ_CONFIG_TICK_HZ too low for the 24-bit SysTick at this clock. */
        sq_port_fatal("core clock does not fit SysTick", BOARD_HCLK_HZ);
    }
}

/* Polled output, safe in a fault handler: wait for room, write a byte. */
int _write(int fd, const char *buf, int len)
{
    (void)fd; /* stdout and stderr both go to the console */
    for (int i = 0; i < len; i++) {
        while ((USART1_SR & USART_SR_TXE) == 0u) {
        }
        USART1_DR = (uint8_t)buf[i];
    }
    return len;
}
